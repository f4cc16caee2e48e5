/**
 * Every name Microsoft shows the customer's admins for what Kantiv Connect creates in their tenant: the engine
 * creates and finds things by these names, and the wizard, the manual path and the welcome page print them. One
 * source, so what the admin reads is what the admin gets, and a renamed object is not a second one.
 */

/** The app registration's display name in the Entra admin center. */
export const APP_DISPLAY_NAME = 'Kantiv Dataverse Connector';

/** The app's immutable alternate key (`uniqueName`): re-runs find the app by it, so it is never duplicated. */
export const APP_UNIQUE_NAME = 'kantiv-dataverse-connector';

/** The tag on the app registration (searchable by admins); the same word as the unique name. */
export const APP_TAG = APP_UNIQUE_NAME;

/** The display name of the client secret on the app; other secrets with this name are ours to clean up. */
export const SECRET_DISPLAY_NAME = 'Kantiv secret';

/** The least-privilege Dataverse security role created from the table manifest. */
export const ROLE_NAME = 'Kantiv Integration';

/** The display name of the certificates Kantiv makes for the app (`keyCredentials`), and their subject CN. */
export const CERTIFICATE_DISPLAY_NAME = 'Kantiv certificate';

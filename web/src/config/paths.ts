/** Every URL the SPA links to or calls, in one place. */
export const WIZARD_STEPS = ['welcome', 'sign-in', 'environment', 'plan', 'run', 'done'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

export const paths = {
  home: '/',
  /** Where an invite link without a setup id in its path lands (`/invite#token=…`). */
  invite: '/invite',
  setup: {
    pattern: '/setup/:setupId',
    root: (setupId: string) => `/setup/${setupId}`,
    step: (setupId: string, step: WizardStep) => `/setup/${setupId}/${step}`,
    manual: (setupId: string) => `/setup/${setupId}/manual`,
    /** A disconnect link's page (decision 018). */
    disconnect: (setupId: string) => `/setup/${setupId}/disconnect`,
  },
  console: '/console',
  /** MSAL v5 redirect bridge (web/redirect.html), registered as the SPA redirect URI of the wizard app. */
  redirectBridge: '/redirect.html',
  /** Where the redirect bridge sends Microsoft's answer to the admin-consent link (it is no MSAL answer). */
  adminConsentReturn: '/admin-consent',
} as const;

/** The admin-consent link's `state`, echoed by Microsoft: tells its answer apart from MSAL's on the redirect bridge. */
export const ADMIN_CONSENT_STATE = 'kantiv-admin-consent';

export const apiPaths = {
  health: '/healthz',
  clientConfig: '/api/v1/client-config',
  wizardSetup: '/api/v1/wizard/setup',
  wizardIdentity: '/api/v1/wizard/identity',
  wizardEvents: '/api/v1/wizard/events',
  wizardMoments: '/api/v1/wizard/moments',
  wizardCredentials: '/api/v1/wizard/credentials',
  wizardRepaired: '/api/v1/wizard/repaired',
  wizardCertificate: '/api/v1/wizard/certificate',
  wizardDisconnect: '/api/v1/wizard/disconnect',
  wizardEnvironmentCheck: '/api/v1/wizard/environment-check',
} as const;

/** Microsoft portals the admin may want to open, built from ids the wizard knows. */
export const externalLinks = {
  entraAppOverview: (clientId: string) =>
    `https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Overview/appId/${encodeURIComponent(clientId)}/isMSAApp~/false`,
  entraAppRegistrations:
    'https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade',
  powerPlatformEnvironment: (environmentId: string | undefined) =>
    environmentId
      ? `https://admin.powerplatform.microsoft.com/environments/environment/${encodeURIComponent(environmentId)}/hub`
      : 'https://admin.powerplatform.microsoft.com/environments',
  /**
   * Entra's v2 admin-consent endpoint for the wizard's own app and exactly the permissions it asks at sign-in, for a
   * Global Administrator, Privileged Role Administrator or Cloud Application Administrator of the tenant.
   */
  adminConsent: (
    authorityHost: string,
    tenant: string,
    clientId: string,
    scopes: string[],
    redirectUri: string,
  ) =>
    `${authorityHost.replace(/\/$/, '')}/${encodeURIComponent(tenant)}/v2.0/adminconsent?client_id=${encodeURIComponent(clientId)}&scope=${encodeURIComponent(scopes.join(' '))}&redirect_uri=${encodeURIComponent(redirectUri)}&state=${ADMIN_CONSENT_STATE}`,
} as const;

/** The support console: its pages (under one lazily loaded route) and the staff API it calls. */
export const consolePaths = {
  setups: '/console/setups',
  newSetup: '/console/setups/new',
  setup: (id: string) => `/console/setups/${encodeURIComponent(id)}`,
  apiKeys: '/console/api-keys',
  webhooks: '/console/webhooks',
  audit: '/console/audit',
} as const;

export const consoleApiPaths = {
  setups: '/api/v1/setups',
  setupsExport: '/api/v1/setups/export',
  setup: (id: string) => `/api/v1/setups/${encodeURIComponent(id)}`,
  setupEvents: (id: string) => `/api/v1/setups/${encodeURIComponent(id)}/events`,
  setupAction: (id: string, action: 'revoke' | 'extend' | 'reverify' | 'invite' | 'disconnect' | 'links') =>
    `/api/v1/setups/${encodeURIComponent(id)}/${action}`,
  apiKeys: '/api/v1/api-keys',
  apiKeyRevoke: (id: string) => `/api/v1/api-keys/${encodeURIComponent(id)}/revoke`,
  webhooks: '/api/v1/webhooks',
  webhookTest: (id: string) => `/api/v1/webhooks/${encodeURIComponent(id)}/test`,
  webhookDeliveries: (id: string) => `/api/v1/webhooks/${encodeURIComponent(id)}/deliveries`,
  webhook: (id: string) => `/api/v1/webhooks/${encodeURIComponent(id)}`,
  webhookRotateSecret: (id: string) => `/api/v1/webhooks/${encodeURIComponent(id)}/rotate-secret`,
  webhookRedeliver: (id: string, deliveryId: string) =>
    `/api/v1/webhooks/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`,
  audit: '/api/v1/audit',
  auditActions: '/api/v1/audit/actions',
  auditExport: '/api/v1/audit/export',
} as const;

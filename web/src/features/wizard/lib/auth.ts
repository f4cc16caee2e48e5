import {
  AuthError,
  BrowserAuthErrorCodes,
  InteractionRequiredAuthError,
  PublicClientApplication,
  type AccountInfo,
  type AuthenticationResult,
} from '@azure/msal-browser';
import type { ClientConfig } from '@kantiv/shared/client-config';
import { SIGN_IN_SCOPES, extraConsentScopes, redirectUri } from './sign-in-scopes.ts';

/**
 * MSAL lives here, outside React: one PublicClientApplication, created and initialised (including the answer of a
 * full-page sign-in redirect) before any wizard page renders. Components never see a token: they call `signIn`,
 * and the provisioning engine gets tokens through `getAccessToken`.
 */

type AuthState = {
  pca: PublicClientApplication;
  config: ClientConfig;
  /** The answer of a full-page redirect sign-in, handled once at start. */
  redirectResult: AuthenticationResult | null;
  redirectError: unknown;
  /**
   * `https://login…/{tenant}` once the setup's tenant is known, else undefined (`/organizations`). A guest (B2B)
   * admin signing in through `/organizations` gets tokens from their home tenant; the setup's tenant as authority
   * gives tokens of their guest account in the customer's tenant.
   */
  authority?: string | undefined;
};

let started: Promise<AuthState> | undefined;

/** Ten minutes: long enough for MFA, a password reset or a colleague's help on Microsoft's page. */
export const POPUP_ANSWER_TIMEOUT_MS = 10 * 60_000;

/**
 * Set when the admin said Microsoft's window is gone while MSAL still waits for its answer (or when MSAL refused a
 * sign-in with interaction_in_progress): MSAL refuses a second popup while one is in progress, so the next one
 * overrides it, which also ends MSAL's wait for the abandoned popup.
 */
let abandonedPopup = false;

/** The admin closed Microsoft's window (MSAL cannot see it): the next sign-in replaces the one MSAL waits for. */
export function abandonSignIn(): void {
  abandonedPopup = true;
}

/** The popup request's override of an abandoned interaction, taken once. */
function takeOverride(): { overrideInteractionInProgress?: true } {
  if (!abandonedPopup) return {};
  abandonedPopup = false;
  return { overrideInteractionInProgress: true };
}

function isInteractionInProgress(err: unknown): boolean {
  return err instanceof AuthError && err.errorCode === BrowserAuthErrorCodes.interactionInProgress;
}

/** Signs in and asks for tokens at the setup's tenant (id or verified domain) from now on; undefined = any tenant. */
export async function setSetupTenant(tenant: string | null | undefined): Promise<void> {
  const s = await state();
  s.authority = tenant
    ? `${s.config.microsoft.authorityHost.replace(/\/$/, '')}/${encodeURIComponent(tenant)}`
    : undefined;
}

function authorityOf(s: AuthState): { authority?: string } {
  return s.authority ? { authority: s.authority } : {};
}

/** Creates and initialises MSAL once; every later call returns the same instance. */
export function startAuth(config: ClientConfig): Promise<AuthState> {
  started ??= (async () => {
    const authorityHost = config.microsoft.authorityHost.replace(/\/$/, '');
    const host = new URL(authorityHost).host;
    const microsoftHost = host === 'login.microsoftonline.com';
    const pca = new PublicClientApplication({
      auth: {
        clientId: config.microsoft.wizardClientId,
        authority: `${authorityHost}/organizations`,
        // A non-Microsoft authority (the emulator by config) must be trusted explicitly, or MSAL asks Microsoft's
        // instance discovery about it and fails with endpoints_resolution_error.
        knownAuthorities: microsoftHost ? [] : [host],
        redirectUri: redirectUri(),
        postLogoutRedirectUri: window.location.origin,
      },
      cache: { cacheLocation: 'sessionStorage' },
      // How long MSAL waits for the popup's answer. MSAL 5 waits for it on a BroadcastChannel and does not notice a
      // closed popup, so its default (60 s) only ended a sign-in that takes longer (MFA, a password reset) with
      // timed_out; a closed window is the admin's to report (`abandonSignIn`, the waiting panel's control).
      system: { popupBridgeTimeout: POPUP_ANSWER_TIMEOUT_MS },
    });
    await pca.initialize();
    let redirectResult: AuthenticationResult | null = null;
    let redirectError: unknown;
    try {
      redirectResult = await pca.handleRedirectPromise();
      if (redirectResult?.account) pca.setActiveAccount(redirectResult.account);
    } catch (err) {
      redirectError = err;
    }
    if (!pca.getActiveAccount()) {
      const [only] = pca.getAllAccounts();
      if (only) pca.setActiveAccount(only);
    }
    return { pca, config, redirectResult, redirectError };
  })();
  return started;
}

function state(): Promise<AuthState> {
  if (!started) throw new Error('startAuth() must run before the wizard uses Microsoft sign-in.');
  return started;
}

export async function currentAccount(): Promise<AccountInfo | null> {
  return (await state()).pca.getActiveAccount();
}

/** The redirect answer (or error) from a full-page sign-in, consumed once by the sign-in page. */
export async function takeRedirectOutcome(): Promise<{
  result: AuthenticationResult | null;
  error: unknown;
}> {
  const s = await state();
  const outcome = { result: s.redirectResult, error: s.redirectError };
  s.redirectResult = null;
  s.redirectError = undefined;
  return outcome;
}

export type SignInOutcome = { kind: 'signed-in'; result: AuthenticationResult } | { kind: 'redirecting' };

/**
 * Opens Microsoft's sign-in in a popup (the wizard keeps its place); when the browser blocks popups, falls back to a
 * full-page redirect that comes back to `returnTo` (the page that started it, unless that page cannot finish it).
 * `nonce` is the setup's (from the server): Entra echoes it in the ID token, MSAL checks it, and the server accepts
 * only an ID token carrying it.
 */
export async function signIn(
  options: { nonce?: string; loginHint?: string; returnTo?: string } = {},
): Promise<SignInOutcome> {
  const s = await state();
  const { pca } = s;
  const request = {
    ...authorityOf(s),
    scopes: SIGN_IN_SCOPES,
    extraScopesToConsent: extraConsentScopes(s.config),
    prompt: 'select_account',
    ...(options.nonce ? { nonce: options.nonce } : {}),
    ...(options.loginHint ? { loginHint: options.loginHint } : {}),
  };
  try {
    const result = await pca.loginPopup({ ...request, ...takeOverride() });
    pca.setActiveAccount(result.account);
    return { kind: 'signed-in', result };
  } catch (err) {
    // A popup of this tab MSAL still waits for (a reload cannot end its wait): the admin is told to close it, and
    // the next try takes over.
    if (isInteractionInProgress(err)) abandonSignIn();
    if (
      err instanceof AuthError &&
      (err.errorCode === BrowserAuthErrorCodes.popupWindowError ||
        err.errorCode === BrowserAuthErrorCodes.emptyWindowError ||
        err.errorCode === BrowserAuthErrorCodes.blockNestedPopups)
    ) {
      await pca.loginRedirect({ ...request, redirectStartPage: options.returnTo ?? window.location.href });
      return { kind: 'redirecting' };
    }
    throw err;
  }
}

/** The signed-in admin's ID token for the identity binding (fresh from cache or silently renewed). */
export async function getIdToken(): Promise<string> {
  const s = await state();
  const account = s.pca.getActiveAccount();
  if (!account) throw new Error('Nobody is signed in.');
  const result = await s.pca.acquireTokenSilent({ ...authorityOf(s), scopes: SIGN_IN_SCOPES, account });
  return result.idToken;
}

/**
 * Access token for one resource (`https://graph.microsoft.com`, the Global Discovery service, an environment URL).
 * MSAL issues one token per resource; consent for each was asked at sign-in, so this is silent. When Microsoft asks
 * for interaction again (consent revoked, session ended, Conditional Access wanting MFA for that resource) a popup
 * opens; if the browser blocks it, the step fails with a fix that says so, and Try again opens it from a click.
 */
export function getAccessToken(scopes: string[], options?: { fresh?: boolean }): Promise<string> {
  // One at a time: parallel silent calls would redeem the same refresh token concurrently, and a refresh token is
  // rotated on use; queued, each call finds the previous one's result (or fresh refresh token) in the cache.
  const next = tokenQueue.then(() => acquireAccessToken(scopes, options?.fresh === true));
  tokenQueue = next.catch(() => undefined);
  return next;
}

let tokenQueue: Promise<unknown> = Promise.resolve();

async function acquireAccessToken(scopes: string[], forceRefresh: boolean): Promise<string> {
  const s = await state();
  const { pca } = s;
  const account = pca.getActiveAccount();
  if (!account) throw new Error('Nobody is signed in.');
  try {
    return (await pca.acquireTokenSilent({ ...authorityOf(s), scopes, account, forceRefresh })).accessToken;
  } catch (err) {
    if (err instanceof InteractionRequiredAuthError) {
      // Conditional Access (e.g. MFA for Dataverse, AADSTS50076) sends a claims challenge; the interactive request
      // must carry it, or Entra issues a token that still fails the policy.
      const claims = err.claims ? { claims: err.claims } : {};
      return (await pca.acquireTokenPopup({ ...authorityOf(s), scopes, account, ...claims })).accessToken;
    }
    throw err;
  }
}

/**
 * Directory roles travel in the token (`wids`), and a role activated in PIM may count only for a new sign-in: a token
 * refreshed from the earlier sign-in can still lack it (Microsoft: "signing out and signing back in may help";
 * FIDELITY F7-3). So "Check again" signs the same account in again — Microsoft's window, which closes by itself
 * while the admin's Microsoft session lasts — instead of only refreshing the cached token.
 */
export async function refreshSignIn(): Promise<void> {
  const s = await state();
  const account = s.pca.getActiveAccount();
  if (!account) return;
  const result = await s.pca.acquireTokenPopup({
    ...authorityOf(s),
    scopes: SIGN_IN_SCOPES,
    account,
    loginHint: account.username,
    ...takeOverride(),
  });
  if (result.account) s.pca.setActiveAccount(result.account);
}

export async function signOut(): Promise<void> {
  const { pca } = await state();
  await pca.clearCache();
}

export type SignInProblem = {
  kind: 'consent' | 'cancelled' | 'busy' | 'other';
  code: string;
  message: string;
};

/** Microsoft codes for a declined or missing consent (user said no; admin consent required). */
const CONSENT_CODES = ['access_denied', 'consent_required', 'AADSTS65004', 'AADSTS65001', 'AADSTS90094'];

/** Turns an MSAL error into words for the admin; v5 messages are not descriptive, so branch on codes. */
export function describeSignInError(err: unknown): SignInProblem {
  if (err instanceof AuthError) {
    const code = err.errorCode;
    const text = `${code} ${err.subError} ${err.errorMessage}`;
    if (CONSENT_CODES.some((c) => text.includes(c))) {
      return {
        kind: 'consent',
        code,
        message: 'Microsoft did not give Kantiv Connect the permissions it asked for.',
      };
    }
    if (code === BrowserAuthErrorCodes.userCancelled) {
      return {
        kind: 'cancelled',
        code,
        message: 'The Microsoft sign-in window was closed before it finished.',
      };
    }
    if (code === BrowserAuthErrorCodes.interactionInProgress) {
      return {
        kind: 'busy',
        code,
        message: 'A Microsoft sign-in window is already open. Finish or close it, then try again.',
      };
    }
    return { kind: 'other', code, message: `Microsoft sign-in failed (${code}).` };
  }
  return { kind: 'other', code: 'unknown', message: 'Microsoft sign-in failed.' };
}

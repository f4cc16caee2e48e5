import type { AccountInfo } from '@azure/msal-browser';
import { redirect } from 'react-router';
import type { ClientConfig } from '@kantiv/shared/client-config';
import type { WizardSetup } from '@kantiv/shared/setup';
import { paths, type WizardStep } from '../../../config/paths.ts';
import { ApiClientError } from '../../../lib/api-client.ts';
import { getClientConfig } from '../../../lib/client-config.ts';
import { getWizardSetup } from '../api/get-wizard-setup.ts';
import { firstIncompleteStep, isWizardStep, resolveStep } from './guard.ts';
import { ensureLanguage } from './i18n.ts';
import { getSetupToken } from './setup-token.ts';
import { msalHasTabState } from './sign-in-scopes.ts';
import { followUpPurpose } from './follow-up-purpose.ts';
import { readChoices, startFollowUp, type WizardChoices } from './wizard-memory.ts';

export type UnavailableReason = 'no_token' | 'unknown' | 'expired' | 'revoked' | 'completed' | 'disconnected';

export type WizardAccount = {
  username: string;
  name?: string;
  tenantId: string;
  /**
   * Its cached ID token carries this setup's sign-in nonce, so Kantiv would bind it ("Continue as"). Another invite's
   * sign-in carries that setup's nonce, and MSAL replaces the ID token on every refresh-token redemption with one that
   * carries none (OpenID Connect Core 12.2): neither can bind this setup, which needs a sign-in of its own.
   */
  signedInForSetup: boolean;
};

export type WizardContext =
  | {
      kind: 'unavailable';
      reason: UnavailableReason;
      config: ClientConfig;
      /** For an expired invite: whether a run had reached the tenant (unknown when undefined). */
      runStarted?: boolean;
    }
  | {
      kind: 'ready';
      config: ClientConfig;
      setup: WizardSetup;
      account: WizardAccount | undefined;
      choices: WizardChoices;
      step: WizardStep | 'manual' | 'disconnect';
      firstIncomplete: WizardStep;
    };

export type ReadyWizardContext = Extract<WizardContext, { kind: 'ready' }>;

/** The server says, on an expired invite, whether a run had started (`details.runStarted`). */
function runStartedOf(err: unknown): { runStarted?: boolean } {
  const details = err instanceof ApiClientError ? err.details : undefined;
  return typeof details === 'object' && details !== null && 'runStarted' in details
    ? { runStarted: details.runStarted === true }
    : {};
}

function reasonFor(err: ApiClientError): UnavailableReason | undefined {
  if (err.code === 'setup_expired') return 'expired';
  if (err.code === 'setup_revoked') return 'revoked';
  if (err.code === 'setup_completed') return 'completed';
  if (err.code === 'setup_disconnected') return 'disconnected';
  if (err.status === 401 || err.status === 403 || err.status === 404) return 'unknown';
  return undefined;
}

/**
 * The setup as read for a navigation that ended in a redirect (`/setup/:id` → its first incomplete step). The
 * navigation the redirect starts takes it instead of asking the server a second time for what it answered a moment
 * ago: opening the invite link costs one round trip, not two. Taken once, only for that path and only for a moment;
 * every other navigation still reads the setup from the server.
 */
let redirectHandoff: { pathname: string; setup: WizardSetup; at: number } | undefined;
const HANDOFF_MAX_AGE_MS = 5_000;

function takeHandoff(request: Request): WizardSetup | undefined {
  const handoff = redirectHandoff;
  redirectHandoff = undefined;
  if (!handoff || Date.now() - handoff.at > HANDOFF_MAX_AGE_MS) return undefined;
  return handoff.pathname === new URL(request.url).pathname ? handoff.setup : undefined;
}

function redirectWith(setup: WizardSetup, pathname: string): Response {
  redirectHandoff = { pathname, setup, at: Date.now() };
  return redirect(pathname);
}

async function load(request: Request, setupId: string | undefined): Promise<WizardContext | Response> {
  // The admin's language (its catalog, when not English) is fetched alongside the setup, not after it.
  const language = ensureLanguage();
  if (!getSetupToken()) {
    const [config] = await Promise.all([getClientConfig(), language]);
    return { kind: 'unavailable', reason: 'no_token', config };
  }
  const handedOff = takeHandoff(request);
  // All requests at once: the first page waits for one round trip, not two.
  const [configResult, setupResult] = await Promise.allSettled([
    getClientConfig(),
    handedOff ?? getWizardSetup(request.signal),
    language,
  ]);
  if (configResult.status === 'rejected') throw configResult.reason;
  const config = configResult.value;
  if (setupResult.status === 'rejected') {
    const err: unknown = setupResult.reason;
    const reason = err instanceof ApiClientError ? reasonFor(err) : undefined;
    if (reason) return { kind: 'unavailable', reason, config, ...runStartedOf(err) };
    throw err;
  }
  const setup: WizardSetup = setupResult.value;
  if (setup.state === 'expired' || setup.state === 'revoked') {
    return {
      kind: 'unavailable',
      reason: setup.state,
      config,
      runStarted: setup.steps.some((step) => step.status !== 'pending'),
    };
  }
  const segment = new URL(request.url).pathname.split('/')[3];
  // The token decides which setup this tab works on; a stale or edited path is corrected.
  if (setup.id !== setupId) return redirectWith(setup, paths.setup.root(setup.id));

  let choices = readChoices(setup.id);
  if (setup.link && followUpPurpose(setup) && choices.link !== setup.link.expiresAt)
    choices = startFollowUp(setup.id, setup.link.expiresAt, setup.environmentUrl);
  // MSAL (a large module) is loaded only once someone may have signed in in this tab: MSAL then keeps its state in
  // the tab's sessionStorage. Before that (the welcome page, or the sign-in page before any sign-in) nobody is
  // signed in here, and the sign-in page loads MSAL as the admin heads for its button.
  let signedIn: AccountInfo | null = null;
  if ((choices.welcomed || setup.tenantId) && msalHasTabState()) {
    const auth = await import('./auth.ts');
    await auth.startAuth(config);
    await auth.setSetupTenant(setup.tenantId ?? setup.expectedTenantDomain);
    signedIn = await auth.currentAccount();
  }
  const account = signedIn
    ? {
        username: signedIn.username,
        tenantId: signedIn.tenantId,
        signedInForSetup:
          setup.signInNonce !== undefined && signedIn.idTokenClaims?.nonce === setup.signInNonce,
        ...(signedIn.name ? { name: signedIn.name } : {}),
      }
    : undefined;
  const firstIncomplete = firstIncompleteStep({ setup, signedInTenantId: account?.tenantId, choices });

  // A disconnect link opens its own page, and only it (decision 018).
  const disconnecting = setup.link?.purpose === 'disconnect';
  if (disconnecting !== (segment === 'disconnect'))
    return redirectWith(setup, disconnecting ? paths.setup.disconnect(setup.id) : paths.setup.root(setup.id));
  if (disconnecting)
    return { kind: 'ready', config, setup, account, choices, step: 'disconnect', firstIncomplete };

  if (segment === 'manual') {
    // The manual form stays reachable after a failed verification, to send corrected values.
    if (setup.state === 'verified') return redirectWith(setup, paths.setup.step(setup.id, 'done'));
    return { kind: 'ready', config, setup, account, choices, step: 'manual', firstIncomplete };
  }
  const requested = isWizardStep(segment) ? segment : undefined;
  const step = resolveStep(requested, firstIncomplete);
  if (step !== requested) return redirectWith(setup, paths.setup.step(setup.id, step));
  return { kind: 'ready', config, setup, account, choices, step, firstIncomplete };
}

/** The layout and the step loaders of one navigation share one load (they run in parallel). */
const loads = new WeakMap<Request, Promise<WizardContext | Response>>();

/** Resolves to the context, or to a redirect `Response` towards the step the admin belongs on. */
export function loadWizard(request: Request, setupId: string | undefined): Promise<WizardContext | Response> {
  let pending = loads.get(request);
  if (!pending) {
    pending = load(request, setupId);
    loads.set(request, pending);
  }
  return pending;
}

/** For step loaders: the ready context, or nothing when the layout shows an "invite unavailable" page. */
export async function loadReadyWizard(
  request: Request,
  setupId: string | undefined,
): Promise<ReadyWizardContext | undefined> {
  const ctx = await loadWizard(request, setupId);
  return ctx instanceof Response || ctx.kind !== 'ready' ? undefined : ctx;
}

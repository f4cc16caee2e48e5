import { engineText, type EngineFailureCode } from '@kantiv/shared/engine-texts';
import type { StepError } from '@kantiv/shared/steps';

export type MicrosoftService = 'graph' | 'discovery' | 'dataverse' | 'entra';

/**
 * An error answered by a Microsoft service, keeping what support needs: the HTTP status, Microsoft's own code
 * (`Authorization_RequestDenied`, `0x8004f510`, `AADSTS50076`), the message and the request id. Never carries a
 * token or a secret: the message and code come from Microsoft's error body, which never echoes either.
 */
export class MicrosoftApiError extends Error {
  readonly service: MicrosoftService;
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  /** Graph's `innerError`/`details` codes, e.g. `NoBackingApplicationObject`. */
  readonly detailCodes: string[];
  /** From a `Retry-After` header, when Microsoft sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    service: MicrosoftService;
    status: number;
    code: string;
    message: string;
    requestId?: string | undefined;
    detailCodes?: string[];
    retryAfterMs?: number | undefined;
  }) {
    super(init.message);
    this.name = 'MicrosoftApiError';
    this.service = init.service;
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.detailCodes = init.detailCodes ?? [];
    this.retryAfterMs = init.retryAfterMs;
  }

  /** True when `code` matches Microsoft's code or one of the detail codes (case-insensitive, for Dataverse's hex). */
  is(code: string): boolean {
    const c = code.toLowerCase();
    return this.code.toLowerCase() === c || this.detailCodes.some((d) => d.toLowerCase() === c);
  }
}

/** The network failed before Microsoft answered (offline, DNS, TLS, CORS). */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(
    readonly service: MicrosoftService,
    message: string,
  ) {
    super(message);
  }
}

/** Microsoft answered 2xx with a body our schema does not accept: a contract drift, never retried. */
export class UnexpectedResponseError extends Error {
  override readonly name = 'UnexpectedResponseError';
  constructor(
    readonly service: MicrosoftService,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

/** The token provider could not produce a token (MSAL `interaction_required`, consent declined, …). */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  constructor(
    readonly code: string,
    message: string,
    /** Entra's AADSTS number when the sign-in failure carried one. */
    readonly aadsts?: string,
  ) {
    super(message);
  }
}

/**
 * Something the engine cannot fix by itself: a missing role, a tenant policy, a wrong environment. `error.fix`
 * says who must do what. The step fails with this error and a re-run after the fix continues from there.
 */
export class BlockerError extends Error {
  readonly stepError: StepError;
  constructor(stepError: StepError) {
    super(stepError.message);
    this.name = 'BlockerError';
    this.stepError = stepError;
  }
}

/** The run was cancelled through its AbortSignal. */
export class CancelledError extends Error {
  constructor(message = 'The run was cancelled.') {
    super(message);
    this.name = 'CancelledError';
  }
}

export function isAbortError(err: unknown): boolean {
  return (
    err instanceof CancelledError ||
    (typeof err === 'object' &&
      err !== null &&
      'name' in err &&
      (err.name === 'AbortError' || err.name === 'TimeoutError'))
  );
}

const FIX_SIGN_IN_AGAIN = 'Sign in again with Microsoft and retry.';

/** Our fix in English (support and the logs) and the catalog code the wizard words it by. */
type Fix = { fix: string; key: EngineFailureCode };
const fixed = ({ fix, key }: Fix): Pick<StepError, 'fix' | 'text'> => ({ fix, text: engineText(key) });

/**
 * What a failure means for the admin. Codes are Microsoft's (so support can search them), the fix is ours.
 */
export function toStepError(err: unknown): StepError {
  if (err instanceof BlockerError) return err.stepError;
  if (err instanceof MicrosoftApiError) {
    return {
      code: err.code,
      message: truncate(err.message),
      ...(err.requestId ? { requestId: err.requestId } : {}),
      ...fixed(fixFor(err)),
    };
  }
  if (err instanceof TokenError) {
    return { code: err.aadsts ?? err.code, message: truncate(err.message), ...fixed(tokenFix(err)) };
  }
  if (err instanceof NetworkError) {
    return {
      code: 'network_error',
      message: truncate(err.message),
      fix: 'Check your internet connection (and any proxy or firewall), then retry. Nothing is lost: the run continues where it stopped.',
      text: engineText('network_error'),
    };
  }
  if (err instanceof UnexpectedResponseError) {
    return {
      code: 'unexpected_response',
      message: truncate(err.message),
      ...(err.requestId ? { requestId: err.requestId } : {}),
      fix: 'Microsoft answered in a way Kantiv Connect does not understand. Retry; if it persists, contact Kantiv support with the request id.',
      text: engineText('unexpected_response'),
    };
  }
  if (isAbortError(err)) {
    return {
      code: 'cancelled',
      message: 'The run was cancelled.',
      fix: 'Start again when ready.',
      text: engineText('cancelled'),
    };
  }
  return {
    code: 'internal_error',
    message: truncate(err instanceof Error ? err.message : String(err)),
    fix: 'Retry. If it persists, contact Kantiv support.',
    text: engineText('internal_error'),
  };
}

/** msal-browser's codes when window.open gave nothing (a popup blocker) or the window could not be used. */
export const POPUP_BLOCKED_CODES: readonly string[] = [
  'popup_window_error',
  'empty_window_error',
  'block_nested_popups',
];

function tokenFix(err: TokenError): Fix {
  const consentNeeded = ['AADSTS90094', 'AADSTS90095', 'AADSTS65001'];
  if ((err.aadsts && consentNeeded.includes(err.aadsts)) || err.code === 'consent_required') {
    return {
      key: 'consent_needed',
      fix: 'Kantiv Connect needs an administrator’s approval in your tenant. Ask a Global Administrator, Privileged Role Administrator, Cloud Application Administrator or Application Administrator to grant admin consent (the admin consent link on the welcome page), then sign in again.',
    };
  }
  if (POPUP_BLOCKED_CODES.includes(err.code)) {
    return {
      key: 'popup_blocked',
      fix: 'Microsoft asked you to sign in again, and your browser blocked its sign-in window. Press Try again: the window opens from your click. If it still does not open, allow pop-ups for this site. Nothing is lost: the run continues where it stopped.',
    };
  }
  if (err.aadsts === 'AADSTS65004') {
    return {
      key: 'consent_declined',
      fix: 'The permissions were declined on the Microsoft consent page. Sign in again and accept them, or forward the invite link to an administrator.',
    };
  }
  return { key: 'sign_in_again', fix: FIX_SIGN_IN_AGAIN };
}

function fixFor(err: MicrosoftApiError): Fix {
  if (err.is('Authorization_RequestDenied')) {
    return err.service === 'graph'
      ? {
          key: 'graph_denied',
          fix: 'Your account is not allowed to manage app registrations. Ask a Global Administrator to give you the Entra role Cloud Application Administrator (or Application Administrator) and to grant admin consent to Kantiv Connect, or forward the invite link to a colleague who has that role.',
        }
      : {
          key: 'dataverse_denied',
          fix: 'Your account lacks the permission for this call. Ask an administrator of the environment to make you System Administrator there.',
        };
  }
  if (err.is('CredentialTypeNotAllowedAsPerAppPolicy')) {
    return {
      key: 'app_policy',
      fix: 'Your tenant’s app management policy forbids client secrets. An Entra administrator who manages app management policies must exempt this application (or allow password credentials), then retry; or use the manual path.',
    };
  }
  if (err.is('0x8004f510') || err.is('0x8004F512')) {
    return {
      key: 'replication',
      fix: 'Dataverse does not yet know the new application. This normally resolves within minutes as Microsoft replicates it; retry shortly. If it persists, check the environment belongs to the same tenant.',
    };
  }
  if (err.status === 401) return { key: 'sign_in_again', fix: FIX_SIGN_IN_AGAIN };
  if (err.status === 429 || err.status >= 500) {
    return {
      key: 'microsoft_busy',
      fix: 'Microsoft is busy or unavailable right now. Retry in a few minutes; the run continues where it stopped.',
    };
  }
  if (err.service === 'dataverse' && err.status === 403) {
    return {
      key: 'dataverse_privilege_missing',
      fix: 'Your account lacks a privilege in this environment. Ask an administrator of the environment to make you System Administrator there, then retry.',
    };
  }
  return {
    key: 'retry_or_support',
    fix: 'Retry. If it persists, contact Kantiv support with the request id.',
  };
}

function truncate(s: string, max = 1900): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

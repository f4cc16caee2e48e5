import { discoveryScope, graphScope } from '@kantiv/shared/clouds';
import { DEFAULT_DISCOVERY_URL, DEFAULT_GRAPH_URL } from '../config.ts';
import {
  CancelledError,
  type MicrosoftApiError,
  type MicrosoftService,
  type NetworkError,
} from '../errors.ts';

/** Which token a call needs: one resource per token, as MSAL and Entra require. */
export type TokenResource = 'graph' | 'discovery' | { environmentUrl: string };

/**
 * Supplies delegated access tokens for the signed-in admin. The wizard implements it with msal-browser
 * (`acquireTokenSilent`, popup on `InteractionRequiredAuthError`); Node tests with tokens from the emulator.
 * Tokens never leave the engine's requests: not in events, errors or logs.
 */
export interface TokenProvider {
  /** `fresh`: a new token from Microsoft, not the cached one (its claims, e.g. `wids`, may be out of date). */
  getToken(resource: TokenResource, options?: { fresh?: boolean }): Promise<string>;
}

/**
 * The delegated scope to ask MSAL for, per resource (one resource per token request). Graph's token must carry
 * `Application.ReadWrite.All`; Global Discovery and every environment are Dynamics CRM `user_impersonation`. The
 * resource identifiers are the configured cloud's endpoints (commercial by default).
 */
export function tokenScope(
  resource: TokenResource,
  endpoints: { graph: string; discovery: string } = {
    graph: DEFAULT_GRAPH_URL,
    discovery: DEFAULT_DISCOVERY_URL,
  },
): string {
  if (resource === 'graph') return graphScope(endpoints.graph, 'Application.ReadWrite.All');
  if (resource === 'discovery') return discoveryScope(endpoints.discovery);
  return `${resource.environmentUrl.replace(/\/+$/, '')}/user_impersonation`;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface RetryPolicy {
  /** 429/502/503/504: how many times to retry one request. */
  throttleMaxAttempts: number;
  /** Delay when Microsoft sends no `Retry-After`; doubled per attempt. */
  throttleBaseDelayMs: number;
  /** Longest single wait for `Retry-After` (Microsoft may ask for minutes). */
  throttleMaxDelayMs: number;
  /** Entra replication: give up after this long since the first replication error of a call. */
  replicationTimeoutMs: number;
  replicationBaseDelayMs: number;
  replicationMaxDelayMs: number;
  /** Network failures of idempotent requests (GET): retries. */
  networkMaxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  throttleMaxAttempts: 6,
  throttleBaseDelayMs: 1_000,
  throttleMaxDelayMs: 120_000,
  replicationTimeoutMs: 5 * 60_000,
  // Short steps: a replication wait that overshoots by 15 s is 15 s the admin watches for nothing.
  replicationBaseDelayMs: 1_000,
  replicationMaxDelayMs: 5_000,
  networkMaxAttempts: 3,
};

export type WaitReason = 'throttled' | 'unavailable' | 'replication' | 'network';

/** A wait the engine is about to do; turned into a `waiting` step event (never silent). */
export interface WaitInfo {
  reason: WaitReason;
  /** 1-based attempt that just failed. */
  attempt: number;
  delayMs: number;
  /** When the wait began; `retryAt` is exactly `delayMs` later. */
  at: Date;
  retryAt: Date;
  error: MicrosoftApiError | NetworkError;
  /** Admin-readable: what we wait for. */
  message: string;
}

export interface RequestObservation {
  service: MicrosoftService;
  method: string;
  url: string;
  status: number;
  startedAt: number;
  finishedAt: number;
}

export interface Transport {
  fetch: FetchLike;
  tokens: TokenProvider;
  policy: RetryPolicy;
  /** Cancellable sleep; rejects when the signal aborts. Injected so tests and benches can shorten waits. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  now: () => number;
  random: () => number;
  /** Every Microsoft request, for the bench and diagnostics (no headers, no bodies). */
  onRequest?: ((obs: RequestObservation) => void) | undefined;
}

/** Per-call context: the step's cancellation and where its waits are reported. */
export interface CallContext {
  signal: AbortSignal;
  onWait: (info: WaitInfo) => void;
}

export function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new CancelledError());
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

import type { z } from 'zod';
import {
  CancelledError,
  MicrosoftApiError,
  NetworkError,
  TokenError,
  UnexpectedResponseError,
  isAbortError,
  type MicrosoftService,
} from './errors.ts';

/** Which token a call needs: one resource per token, as MSAL and Entra require. */
export type TokenResource = 'graph' | 'discovery' | { environmentUrl: string };

/**
 * Supplies delegated access tokens for the signed-in admin. The wizard implements it with msal-browser
 * (`acquireTokenSilent`, popup on `InteractionRequiredAuthError`); Node tests with tokens from the emulator.
 * Tokens never leave the engine's requests: not in events, errors or logs.
 */
export interface TokenProvider {
  getToken(resource: TokenResource): Promise<string>;
}

/**
 * The delegated scope to ask MSAL for, per resource (one resource per token request). Graph's token must carry
 * `Application.ReadWrite.All`; Global Discovery and every environment are Dynamics CRM `user_impersonation`.
 */
export function tokenScope(resource: TokenResource): string {
  if (resource === 'graph') return 'https://graph.microsoft.com/Application.ReadWrite.All';
  if (resource === 'discovery') return 'https://globaldisco.crm.dynamics.com/user_impersonation';
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

export interface RequestSpec<S extends z.ZodType | undefined> {
  service: MicrosoftService;
  resource: TokenResource;
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Parses a JSON body; `undefined` for 204-style answers. */
  schema: S;
  /**
   * Errors that mean "Entra has not replicated the object yet" for this call (they differ per call: a 404 right
   * after create is replication, a 404 on a lookup is an answer).
   */
  replication?: ((err: MicrosoftApiError) => boolean) | undefined;
  /** What the admin sees while we wait for replication. */
  replicationMessage?: string;
}

export interface HttpResult<T> {
  status: number;
  data: T;
  headers: Headers;
  requestId: string | undefined;
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

const THROTTLE_STATUSES = new Set([429, 502, 503, 504]);

/**
 * One Microsoft call with our retry rules: throttling honours `Retry-After`, replication backs off with jitter up
 * to `replicationTimeoutMs`, every wait is reported through `ctx.onWait` first and is cancellable.
 */
export async function request<S extends z.ZodType | undefined>(
  transport: Transport,
  ctx: CallContext,
  spec: RequestSpec<S>,
): Promise<HttpResult<S extends z.ZodType ? z.infer<S> : undefined>> {
  const method = spec.method ?? 'GET';
  let throttleAttempts = 0;
  let networkAttempts = 0;
  let replicationAttempts = 0;
  let replicationSince: number | undefined;
  let attempt = 0;

  for (;;) {
    throwIfAborted(ctx.signal);
    attempt += 1;
    const token = await getToken(transport, spec.resource, ctx.signal);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Authorization: `Bearer ${token}`,
      ...(spec.service === 'dataverse' ? { 'OData-MaxVersion': '4.0', 'OData-Version': '4.0' } : {}),
      ...(spec.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...spec.headers,
    };
    const startedAt = transport.now();
    let res: Response;
    try {
      res = await transport.fetch(spec.url, {
        method,
        headers,
        body: spec.body === undefined ? null : JSON.stringify(spec.body),
        signal: ctx.signal,
      });
    } catch (err) {
      if (isAbortError(err) || ctx.signal.aborted) throw new CancelledError();
      const netErr = new NetworkError(
        spec.service,
        `Could not reach ${serviceName(spec.service)} (${err instanceof Error ? err.message : String(err)}).`,
      );
      networkAttempts += 1;
      if (method === 'GET' && networkAttempts < transport.policy.networkMaxAttempts) {
        const delayMs = backoff(transport, transport.policy.throttleBaseDelayMs, networkAttempts, 30_000);
        await wait(transport, ctx, {
          reason: 'network',
          attempt,
          delayMs,
          error: netErr,
          message: `${serviceName(spec.service)} could not be reached; trying again.`,
        });
        continue;
      }
      throw netErr;
    }
    transport.onRequest?.({
      service: spec.service,
      method,
      url: spec.url,
      status: res.status,
      startedAt,
      finishedAt: transport.now(),
    });

    const requestId = requestIdFrom(res.headers);
    if (res.ok) {
      const text = await res.text();
      if (spec.schema === undefined) {
        return { status: res.status, data: undefined as never, headers: res.headers, requestId };
      }
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        throw new UnexpectedResponseError(
          spec.service,
          `${serviceName(spec.service)} answered ${method} ${pathOf(spec.url)} with a body that is not JSON.`,
          requestId,
        );
      }
      const parsed = spec.schema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new UnexpectedResponseError(
          spec.service,
          `${serviceName(spec.service)} answered ${method} ${pathOf(spec.url)} with an unexpected shape (${
            issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'
          }).`,
          requestId,
        );
      }
      return { status: res.status, data: parsed.data as never, headers: res.headers, requestId };
    }

    const err = await parseError(spec.service, res, requestId, transport.now());

    if (THROTTLE_STATUSES.has(res.status) && throttleAttempts + 1 < transport.policy.throttleMaxAttempts) {
      throttleAttempts += 1;
      const delayMs = Math.min(
        err.retryAfterMs ??
          backoff(
            transport,
            transport.policy.throttleBaseDelayMs,
            throttleAttempts,
            transport.policy.throttleMaxDelayMs,
          ),
        transport.policy.throttleMaxDelayMs,
      );
      await wait(transport, ctx, {
        reason: res.status === 429 ? 'throttled' : 'unavailable',
        attempt,
        delayMs,
        error: err,
        message:
          res.status === 429
            ? `${serviceName(spec.service)} asked us to slow down (429); waiting as it requested.`
            : `${serviceName(spec.service)} is temporarily unavailable (${res.status}); trying again.`,
      });
      continue;
    }

    if (spec.replication?.(err)) {
      replicationAttempts += 1;
      replicationSince ??= startedAt;
      const elapsed = transport.now() - replicationSince;
      const delayMs = backoff(
        transport,
        transport.policy.replicationBaseDelayMs,
        replicationAttempts,
        transport.policy.replicationMaxDelayMs,
      );
      if (elapsed + delayMs <= transport.policy.replicationTimeoutMs) {
        await wait(transport, ctx, {
          reason: 'replication',
          attempt,
          delayMs,
          error: err,
          message:
            spec.replicationMessage ??
            'Waiting for Microsoft to replicate the new application (this can take a few minutes).',
        });
        continue;
      }
    }
    throw err;
  }
}

async function wait(
  transport: Transport,
  ctx: CallContext,
  info: Omit<WaitInfo, 'retryAt' | 'at'>,
): Promise<void> {
  const now = transport.now();
  const full: WaitInfo = { ...info, at: new Date(now), retryAt: new Date(now + info.delayMs) };
  ctx.onWait(full);
  await transport.sleep(info.delayMs, ctx.signal);
}

/** Exponential backoff with "equal jitter": half fixed, half random, so parallel callers spread out. */
function backoff(transport: Transport, baseMs: number, attempt: number, maxMs: number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(exp / 2 + (transport.random() * exp) / 2);
}

export async function getToken(
  transport: Pick<Transport, 'tokens'>,
  resource: TokenResource,
  signal: AbortSignal,
): Promise<string> {
  try {
    return await transport.tokens.getToken(resource);
  } catch (err) {
    if (signal.aborted || isAbortError(err)) throw new CancelledError();
    if (err instanceof TokenError) throw err;
    const code =
      typeof err === 'object' && err !== null && 'errorCode' in err && typeof err.errorCode === 'string'
        ? err.errorCode
        : 'token_unavailable';
    const what =
      resource === 'graph'
        ? 'Microsoft Graph'
        : resource === 'discovery'
          ? 'Dynamics 365 Global Discovery'
          : resource.environmentUrl;
    // Keep Entra's AADSTS number (e.g. AADSTS65004 consent declined) so support can look it up.
    // msal-browser v5 keeps its messages terse; the description travels in other fields (`errorMessage`, …).
    const text = [
      err instanceof Error ? err.message : '',
      ...(typeof err === 'object' && err !== null
        ? Object.values(err).filter((v) => typeof v === 'string')
        : []),
    ].join(' ');
    // MSAL's ServerError carries the AADSTS number as `errorNo`.
    const errorNo =
      typeof err === 'object' && err !== null && 'errorNo' in err && /^\d+$/.test(String(err.errorNo))
        ? `AADSTS${String(err.errorNo)}`
        : undefined;
    const aadsts = errorNo ?? /AADSTS\d+/.exec(text)?.[0];
    throw new TokenError(
      code,
      `Could not get a Microsoft sign-in token for ${what}${aadsts ? ` (${aadsts})` : ''}.`,
      aadsts,
    );
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError();
}

function requestIdFrom(headers: Headers): string | undefined {
  return (
    headers.get('request-id') ??
    headers.get('x-ms-service-request-id') ??
    headers.get('req_id') ??
    headers.get('x-ms-request-id') ??
    headers.get('client-request-id') ??
    undefined
  );
}

/** `Retry-After` is seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Microsoft's error bodies: Graph `{error:{code,message,innerError:{'request-id'},details:[{code}]}}`; Dataverse and
 * Global Discovery OData `{error:{code,message}}`; Entra `{error,error_description,error_codes,trace_id}`.
 */
async function parseError(
  service: MicrosoftService,
  res: Response,
  headerRequestId: string | undefined,
  now: number,
): Promise<MicrosoftApiError> {
  let body: unknown;
  try {
    const text = await res.text();
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  let code = `http_${res.status}`;
  let message = `${serviceName(service)} answered ${res.status} ${res.statusText}`.trim();
  let requestId = headerRequestId;
  const detailCodes: string[] = [];
  if (isRecord(body)) {
    const e = body.error;
    if (isRecord(e)) {
      if (typeof e.code === 'string' && e.code) code = e.code;
      if (typeof e.message === 'string' && e.message) message = e.message;
      const inner = isRecord(e.innerError) ? e.innerError : isRecord(e.innererror) ? e.innererror : undefined;
      if (inner) {
        if (typeof inner['request-id'] === 'string') requestId = inner['request-id'];
        if (typeof inner.code === 'string') detailCodes.push(inner.code);
      }
      if (Array.isArray(e.details)) {
        for (const d of e.details) if (isRecord(d) && typeof d.code === 'string') detailCodes.push(d.code);
      }
    } else if (typeof e === 'string') {
      // Entra token endpoint: the AADSTS number is the useful code.
      const description = typeof body.error_description === 'string' ? body.error_description : '';
      const aadsts = /AADSTS\d+/.exec(description)?.[0];
      code = aadsts ?? e;
      if (aadsts) detailCodes.push(e);
      message = description.split('\r\n')[0] || e;
      if (typeof body.trace_id === 'string') requestId = body.trace_id;
    }
  }
  return new MicrosoftApiError({
    service,
    status: res.status,
    code,
    message,
    requestId,
    detailCodes,
    retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), now),
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function serviceName(service: MicrosoftService): string {
  switch (service) {
    case 'graph':
      return 'Microsoft Graph';
    case 'discovery':
      return 'Dynamics 365 Global Discovery';
    case 'dataverse':
      return 'Dataverse';
    case 'entra':
      return 'Microsoft Entra ID';
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** OData string literal: single quotes doubled. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

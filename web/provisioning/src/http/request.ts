import type { z } from 'zod';
import {
  CancelledError,
  NetworkError,
  UnexpectedResponseError,
  isAbortError,
  type MicrosoftApiError,
  type MicrosoftService,
} from '../errors.ts';
import { parseError, pathOf, requestIdFrom, serviceName } from './error-body.ts';
import { getToken } from './tokens.ts';
import type { CallContext, TokenResource, Transport, WaitInfo } from './transport.ts';

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
  /**
   * For a create that is not idempotent (a second POST makes a second object): after an ambiguous failure (502/503/
   * 504 or a lost connection, when the write may have committed) look for the object before sending it again. A
   * value found is the call's answer; `undefined` means "not there", so the create is retried.
   */
  rediscover?: (() => Promise<Rediscovered<S> | undefined>) | undefined;
}

type Rediscovered<S> = S extends z.ZodType ? Exclude<z.infer<S>, undefined> : never;

/** The gateway answers that leave a write's fate unknown (429 is a refusal: nothing was done). */
const AMBIGUOUS_STATUSES = new Set([502, 503, 504]);

export interface HttpResult<T> {
  status: number;
  data: T;
  headers: Headers;
  requestId: string | undefined;
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
      const found = method !== 'GET' ? await spec.rediscover?.() : undefined;
      if (found !== undefined) return rediscovered(found);
      if ((method === 'GET' || spec.rediscover) && networkAttempts < transport.policy.networkMaxAttempts) {
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
    const ambiguous = spec.rediscover !== undefined && AMBIGUOUS_STATUSES.has(res.status);

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
            : ambiguous
              ? `${serviceName(spec.service)} did not confirm the change (${res.status}); checking whether it was made before trying again.`
              : `${serviceName(spec.service)} is temporarily unavailable (${res.status}); trying again.`,
      });
      if (ambiguous) {
        const found = await spec.rediscover?.();
        if (found !== undefined) return rediscovered(found);
      }
      continue;
    }
    if (ambiguous) {
      const found = await spec.rediscover?.();
      if (found !== undefined) return rediscovered(found);
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

/** The object a rediscovery found stands in for the create's own answer. */
function rediscovered<T>(data: T): HttpResult<never> {
  return { status: 200, data: data as never, headers: new Headers(), requestId: undefined };
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

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError();
}

import { MicrosoftApiError, type MicrosoftService } from '../errors.ts';

export function requestIdFrom(headers: Headers): string | undefined {
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
export async function parseError(
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

export function serviceName(service: MicrosoftService): string {
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

export function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

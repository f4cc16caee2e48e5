import type { IncomingHttpHeaders } from 'node:http';
import type { Service } from './scenarios.ts';

/** One parsed request, as every service handler sees it. */
export interface Ctx {
  method: string;
  /** Path and query *within* the service (host-based or after the `/graph` style prefix). */
  url: URL;
  /** Host header as sent (e.g. `login.microsoftonline.com` or `localhost:8443`). */
  host: string;
  /** Origin of the emulator as the caller addressed it, including any path prefix, e.g. `https://localhost:8443/graph`. */
  base: string;
  /** `https://<host>`: what the caller sees as the server origin. */
  origin: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  service: Service | 'control' | 'home';
  /** Dataverse org host (`contoso.crm.dynamics.com`) when service is dataverse. */
  orgHost?: string;
  requestId: string;
  receivedAt: Date;
}

export interface Reply {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** false: send no CORS headers (the browser then sees a CORS failure, as with Entra for non-SPA clients). */
  cors?: boolean;
}

export function header(ctx: Ctx, name: string): string | undefined {
  const v = ctx.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value),
  };
}

export function html(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body,
  };
}

export function redirect(location: string, headers: Record<string, string | string[]> = {}): Reply {
  return { status: 302, headers: { location, 'cache-control': 'no-store', ...headers }, body: '' };
}

export function noContent(headers: Record<string, string> = {}): Reply {
  return { status: 204, headers, body: '' };
}

export function readJson(ctx: Ctx): unknown {
  if (ctx.body.length === 0) return undefined;
  try {
    return JSON.parse(ctx.body.toString('utf8')) as unknown;
  } catch {
    return Symbol.for('invalid-json');
  }
}

export const INVALID_JSON = Symbol.for('invalid-json');

export function readForm(ctx: Ctx): URLSearchParams {
  return new URLSearchParams(ctx.body.toString('utf8'));
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function parseCookies(ctx: Ctx): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header(ctx, 'cookie') ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

/**
 * CORS as each real service answers it. Entra's token/metadata endpoints and Graph answer any origin; Dataverse
 * and Global Discovery echo the origin and allow credentials. Preflights list the headers the SPA sends.
 */
export function corsHeaders(ctx: Ctx): Record<string, string> {
  const origin = header(ctx, 'origin');
  if (!origin) return {};
  const exposed =
    'request-id, client-request-id, Retry-After, Location, OData-EntityId, OData-Version, Preference-Applied, ETag, x-ms-ags-diagnostic';
  if (ctx.service === 'dataverse' || ctx.service === 'discovery') {
    return {
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': exposed,
      vary: 'Origin',
    };
  }
  return {
    'access-control-allow-origin': ctx.service === 'entra' ? origin : '*',
    'access-control-expose-headers': exposed,
  };
}

export function preflight(ctx: Ctx): Reply {
  const requested = header(ctx, 'access-control-request-headers');
  return {
    status: ctx.service === 'graph' ? 200 : 204,
    headers: {
      ...corsHeaders(ctx),
      'access-control-allow-methods': 'GET, POST, PATCH, PUT, DELETE, OPTIONS',
      'access-control-allow-headers':
        requested ??
        'authorization, content-type, prefer, odata-version, odata-maxversion, consistencylevel, client-request-id, if-match, if-none-match',
      'access-control-max-age': '3600',
    },
    body: '',
  };
}

import { createHash } from 'node:crypto';
import { ConfidentialClientApplication, type INetworkModule, LogLevel } from '@azure/msal-node';
import type { FastifyBaseLogger } from 'fastify';
import { type DataverseCloud, isDataverseUrl } from '@kantiv/shared/dataverse';
import { AddressRefused } from '../lib/address-policy.ts';
import type { HttpClient } from '../lib/http-client.ts';

/** A Microsoft failure as people should see it: code, message, request id; never a token or a secret. */
export class MicrosoftError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly kind: 'replication' | 'transient' | 'secret' | 'privilege' | 'permanent',
    readonly requestId?: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'MicrosoftError';
  }
}

// Entra: the app or its service principal has not reached every replica yet (eventual consistency). Not
// AADSTS500011: "resource principal not found" is about the environment URL (no such environment in the tenant),
// which no amount of waiting fixes.
const REPLICATION_AADSTS = new Set(['AADSTS700016', 'AADSTS7000229']);
// Dataverse: the application id is not known to the environment yet (0x8004F510/0x8004F512), or the application
// user is not yet a member of the organization (0x80072560). See docs reference B.9.
const REPLICATION_DATAVERSE = new Set(['0x8004f510', '0x8004f512', '0x80072560']);

function msalNetwork(http: HttpClient): INetworkModule {
  const parse = (body: string): unknown => {
    try {
      return JSON.parse(body);
    } catch {
      return {};
    }
  };
  return {
    async sendGetRequestAsync(url, options, timeout) {
      const r = await http.request(url, {
        headers: options?.headers ?? {},
        ...(timeout ? { timeoutMs: timeout } : {}),
      });
      return { status: r.status, headers: r.headers, body: parse(r.body) as never };
    },
    async sendPostRequestAsync(url, options) {
      const r = await http.request(url, {
        method: 'POST',
        headers: options?.headers ?? {},
        body: options?.body ?? '',
      });
      return { status: r.status, headers: r.headers, body: parse(r.body) as never };
    },
  };
}

/** Strips anything after a secret-looking marker and caps the length: error text ends up in events and logs. */
function clean(message: string): string {
  return message.replace(/\s+/g, ' ').slice(0, 500);
}

export type AppToken = { accessToken: string; expiresAt: Date };

/**
 * What proves the customer's app to Entra, opened from the vault for one token request. A federated identity
 * credential would be a third member (an assertion from Kantiv's issuer) — see decision 010.
 */
export type AppCredential =
  | { kind: 'client_secret'; secret: string }
  | { kind: 'certificate'; privateKeyPem: string; thumbprintSha256: string };

/** The material of a stored credential row and its opened sealed value. */
export function appCredential(
  row: { kind: string; thumbprint: string | null },
  opened: string,
): AppCredential {
  if (row.kind === 'certificate' && row.thumbprint)
    return { kind: 'certificate', privateKeyPem: opened, thumbprintSha256: row.thumbprint };
  return { kind: 'client_secret', secret: opened };
}

const ENVIRONMENT_NOT_ALLOWED =
  'The environment URL is not a Dataverse environment this service may connect to.';

export function createMicrosoftClient(deps: {
  authorityHost: string;
  /** For the authority (our configuration). */
  http: HttpClient;
  /** For environment URLs (a caller's choice): public addresses only, checked when the socket connects. */
  dataverseHttp: HttpClient;
  cloud: DataverseCloud;
  log?: FastifyBaseLogger;
}) {
  const authorityUrl = new URL(deps.authorityHost);
  const isMicrosoftHost = /(^|\.)login\.microsoftonline\.(com|us)$|(^|\.)login\.chinacloudapi\.cn$/.test(
    authorityUrl.hostname,
  );
  const networkClient = msalNetwork(deps.http);

  /**
   * One MSAL client per certificate credential for a few minutes: MSAL keeps the client assertion it signed for its
   * 10-minute life and reuses it for every token of that client, so a rotation's tokens (Dataverse, then Graph with
   * the new key) and the health check after it sign once instead of each time — signing and parsing the private key
   * are synchronous RSA work on the event loop that token vending shares (decision 012, ninth session). The entry
   * lives at most half the assertion's life, so a reused assertion always has at least 5 minutes left. A secret
   * signs nothing: it gets a new client each time, as before.
   */
  const clients = new Map<string, { cca: ConfidentialClientApplication; until: number }>();
  const CLIENT_REUSE_MS = 5 * 60_000;
  const CLIENT_CACHE_MAX = 256;
  const newClient = (tenantId: string, clientId: string, c: AppCredential) =>
    new ConfidentialClientApplication({
      auth: {
        clientId,
        // A certificate signs a client assertion (RFC 7523) named by its SHA-256 thumbprint (`x5t#S256`).
        ...(c.kind === 'certificate'
          ? { clientCertificate: { thumbprintSha256: c.thumbprintSha256, privateKey: c.privateKeyPem } }
          : { clientSecret: c.secret }),
        authority: `${deps.authorityHost}/${tenantId}`,
        // A non-Microsoft authority (the emulator) must be declared, or MSAL asks Microsoft's instance discovery.
        knownAuthorities: isMicrosoftHost ? [] : [authorityUrl.host],
      },
      system: {
        networkClient,
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Error,
          loggerCallback: () => undefined,
        },
      },
    });
  function clientFor(tenantId: string, clientId: string, c: AppCredential): ConfidentialClientApplication {
    if (c.kind !== 'certificate') return newClient(tenantId, clientId, c);
    const key = `${tenantId}|${clientId}|${c.thumbprintSha256}|${createHash('sha256').update(c.privateKeyPem).digest('hex')}`;
    const now = Date.now();
    const hit = clients.get(key);
    if (hit && hit.until > now) return hit.cca;
    for (const [k, v] of clients) if (v.until <= now) clients.delete(k);
    while (clients.size >= CLIENT_CACHE_MAX) clients.delete(clients.keys().next().value as string);
    const cca = newClient(tenantId, clientId, c);
    clients.set(key, { cca, until: now + CLIENT_REUSE_MS });
    return cca;
  }

  return {
    /** Client credentials for `<environment>/.default` with the customer's app (msal-node, no token cache reuse). */
    async acquireAppToken(input: {
      tenantId: string;
      clientId: string;
      credential: AppCredential;
      resource: string;
    }): Promise<AppToken> {
      const c = input.credential;
      const cca = clientFor(input.tenantId, input.clientId, c);
      try {
        const result = await cca.acquireTokenByClientCredential({
          scopes: [`${input.resource}/.default`],
          skipCache: true,
        });
        if (!result?.accessToken)
          throw new MicrosoftError('no_token', 'Microsoft returned no access token.', 'transient');
        return {
          accessToken: result.accessToken,
          expiresAt: result.expiresOn ?? new Date(Date.now() + 3_000_000),
        };
      } catch (err) {
        if (err instanceof MicrosoftError) throw err;
        const classified = classifyMsal(err);
        if (classified.code === 'network_error') deps.log?.warn({ err }, 'token request failed');
        throw classified;
      }
    },

    /** GET on the Dataverse Web API with an app token; throws a classified MicrosoftError on failure. */
    async dataverseGet(environmentUrl: string, path: string, accessToken: string): Promise<unknown> {
      // Only Dataverse hosts of our cloud on 443, and only at public addresses: the token and our server are
      // never pointed at a host of the caller's choosing. Clients see fixed texts; the details go to our logs.
      if (!isDataverseUrl(environmentUrl, deps.cloud))
        throw new MicrosoftError('environment_not_allowed', ENVIRONMENT_NOT_ALLOWED, 'permanent');
      let res;
      try {
        res = await deps.dataverseHttp.request(`${environmentUrl}/api/data/v9.2/${path}`, {
          headers: {
            authorization: `Bearer ${accessToken}`,
            accept: 'application/json',
            'odata-version': '4.0',
            'odata-maxversion': '4.0',
          },
        });
      } catch (err) {
        deps.log?.warn({ err, environmentUrl }, 'Dataverse request failed');
        if (err instanceof AddressRefused)
          throw new MicrosoftError('environment_not_allowed', ENVIRONMENT_NOT_ALLOWED, 'permanent');
        throw new MicrosoftError('network_error', 'Dataverse could not be reached.', 'transient');
      }
      const requestId =
        res.headers['x-ms-service-request-id'] ?? res.headers['req_id'] ?? res.headers['request-id'];
      if (res.status >= 200 && res.status < 300) {
        try {
          return JSON.parse(res.body) as unknown;
        } catch {
          return {};
        }
      }
      let code = `http_${res.status}`;
      let message = `Dataverse answered ${res.status}.`;
      try {
        const body = JSON.parse(res.body) as { error?: { code?: string; message?: string } };
        if (body.error?.code) code = body.error.code;
        if (body.error?.message) message = clean(body.error.message);
      } catch {
        // not JSON: keep the status
      }
      const retryAfter = Number(res.headers['retry-after']);
      const kind = REPLICATION_DATAVERSE.has(code.toLowerCase())
        ? 'replication'
        : // Missing privilege: right after a role assignment this can be Dataverse's privilege cache lagging.
          code.toLowerCase() === '0x80040220'
          ? 'privilege'
          : res.status === 429 || res.status >= 500
            ? 'transient'
            : 'permanent';
      throw new MicrosoftError(
        code,
        message,
        kind,
        requestId,
        Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined,
      );
    },
  };
}
export type MicrosoftClient = ReturnType<typeof createMicrosoftClient>;

function classifyMsal(err: unknown): MicrosoftError {
  const e = err as {
    errorCode?: string;
    errorMessage?: string;
    message?: string;
    correlationId?: string;
    errorNo?: string;
  };
  const text = e.errorMessage ?? e.message ?? 'The token request failed.';
  const aadsts = /AADSTS\d+/.exec(text)?.[0] ?? (e.errorNo ? `AADSTS${e.errorNo}` : undefined);
  const code = aadsts ?? e.errorCode ?? 'token_request_failed';
  const firstLine = clean(text.split(/\r?\n/)[0] ?? text);
  if (aadsts && REPLICATION_AADSTS.has(aadsts))
    return new MicrosoftError(code, firstLine, 'replication', e.correlationId);
  // A brand-new certificate is unknown to Entra until it replicates (AADSTS700027 "the key was not found"). Our
  // server made it and the engine reported its key id, so there is no wrong value to tell apart: it is waited on
  // like any replication, not for the short grace of a secret an admin may have mistyped.
  if (aadsts === 'AADSTS700027') return new MicrosoftError(code, firstLine, 'replication', e.correlationId);
  // A brand-new secret can be refused for a short while until it replicates; a wrong one keeps being refused.
  if (aadsts === 'AADSTS7000215') return new MicrosoftError(code, firstLine, 'secret', e.correlationId);
  if (/network|ECONNREFUSED|ETIMEDOUT|ENOTFOUND|timed out|socket/i.test(`${e.errorCode ?? ''} ${text}`)) {
    // The network's own text (addresses, ports, certificate names) stays in our logs.
    return new MicrosoftError(
      'network_error',
      'Microsoft could not be reached.',
      'transient',
      e.correlationId,
    );
  }
  return new MicrosoftError(code, firstLine, 'permanent', e.correlationId);
}

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { devModeProblems } from './dev-mode-problems.ts';
import { MICROSOFT_CLOUDS, MicrosoftCloudSchema, cloudOfAuthority } from '@kantiv/shared/clouds';
import type { DataverseCloud } from '@kantiv/shared/dataverse';
import { DEFAULT_MANIFEST, ManifestSchema, type Manifest } from '@kantiv/shared/manifest';
import { loadHealthConfig, type HealthConfig } from './health-config.ts';
import { loadConsoleConfig, type ConsoleConfig } from './console-config.ts';
import { parseHostMap, type HostMapping } from './lib/host-map.ts';
import { tracingSettings, type TracingSettings } from './services/telemetry/tracing-settings.ts';
import { parseTrustProxy, type TrustProxy } from './lib/trust-proxy.ts';
import { loadRotationConfig, type RotationConfig } from './services/credentials/rotation-config.ts';

export { parseTrustProxy, trustProxyOption } from './lib/trust-proxy.ts';

/**
 * The only place that reads the environment. Every other module receives a typed `Config`.
 * A bad value stops the process at start with every problem named, never later at first use.
 */
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

export const ConfigSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Public origin of the web app, used to build invite links. */
  PUBLIC_URL: z.url().default('http://localhost:8080'),
  /** Folder holding the built SPA (web/dist). When set, the server serves it with an SPA fallback. */
  WEB_DIST_DIR: z.string().min(1).optional(),
  /**
   * Which proxies may set X-Forwarded-For: `false` (none, the default), a hop count (`1`: one load balancer in front),
   * or a list of proxy addresses / CIDRs (`10.0.0.0/8,fd00::/8`). `true` is refused: it trusts every hop, so any
   * client could choose its own address (and with it, its rate-limit buckets).
   */
  TRUST_PROXY: z.string().default('false'),
  INSTANCE_ID: z.string().min(1).max(100).optional(),

  DATA_DIR: z.string().min(1).default('.data'),
  /** `postgres://…`: use PostgreSQL (several instances). Unset: a SQLite file under DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),

  /** Key-encryption keys: `kid:base64(32 bytes),kid2:…`. Required: the server refuses to start without one. */
  KANTIV_KEYS: z.string().min(1, 'is required (kid:base64key,…); the server never runs without a key'),
  /** The kid new data keys are wrapped with; default: the last key listed. */
  KANTIV_ACTIVE_KEY: z.string().min(1).optional(),
  /** Creates (once) an API key with every scope, for the first caller (demo, tests, provisioning). */
  KANTIV_BOOTSTRAP_API_KEY: z
    .string()
    .regex(/^kc_[A-Za-z0-9_-]{32,128}$/, 'must look like kc_ followed by at least 32 url-safe characters')
    .optional(),

  /**
   * Development and tests only: allows what production must never do (MICROSOFT_HOST_MAP, MICROSOFT_CA_FILE,
   * http:// authority and key URLs, http:// webhook receivers). The server warns at start when it is on.
   */
  KANTIV_DEV_MODE: bool.default(false),
  /** Tests only (needs KANTIV_DEV_MODE): webhook receivers may be on loopback; private ranges stay refused. */
  WEBHOOK_ALLOW_LOOPBACK: bool.default(false),

  /** public, gcc, gcchigh, dod or china: the defaults of the three URLs below and the Dataverse domains allowed. */
  MICROSOFT_CLOUD: MicrosoftCloudSchema.optional(),
  MICROSOFT_AUTHORITY_HOST: z.url().optional(),
  MICROSOFT_GRAPH_BASE_URL: z.url().optional(),
  MICROSOFT_DISCOVERY_BASE_URL: z.url().optional(),
  /** Keys that sign the admins' ID tokens; default `<authority>/common/discovery/v2.0/keys`. */
  MICROSOFT_JWKS_URL: z.url().optional(),
  /** Extra CA certificates (PEM file) trusted for Microsoft endpoints: the emulator's, in tests and the demo. */
  MICROSOFT_CA_FILE: z.string().min(1).optional(),
  /**
   * Tests and the demo only: send Microsoft host names to the emulator through the HTTP client's resolver, like
   * Chromium's --host-resolver-rules (decision 007).
   * `login.microsoftonline.com=127.0.0.1:8443,*.dynamics.com=127.0.0.1:8443`. TLS is still verified (the emulator's
   * certificate names the real hosts and MICROSOFT_CA_FILE trusts it). Unset in production.
   */
  MICROSOFT_HOST_MAP: list.optional(),
  WIZARD_CLIENT_ID: z.uuid().default(NIL_UUID),

  STAFF_TENANT_ID: z.uuid().default(NIL_UUID),
  STAFF_CLIENT_ID: z.uuid().default(NIL_UUID),
  /** Audience(s) of staff access tokens for our API. */
  STAFF_API_AUDIENCE: list.default(['api://kantiv-connect']),
  STAFF_API_SCOPE: z.string().min(1).optional(),
  /** Issuer(s) accepted on staff tokens; default the v2 and v1 issuers of STAFF_TENANT_ID at the authority. */
  STAFF_JWT_ISSUERS: list.optional(),
  /** App-role values (in the token's `roles` claim) that grant Connect.Manage / Connect.Read. */
  STAFF_MANAGE_ROLES: list.default(['Connect.Manage']),
  STAFF_READ_ROLES: list.default(['Connect.Read']),
  /** Default `<authority>/<STAFF_TENANT_ID>/discovery/v2.0/keys`. */
  STAFF_JWKS_URL: z.url().optional(),
  SUPPORT_EMAIL: z.email().default('support@kantiv.example'),
  SUPPORT_NAME: z.string().min(1).default('Kantiv support'),
  /** JSON file with the default table manifest; default the built-in one. */
  DEFAULT_MANIFEST_FILE: z.string().min(1).optional(),
  VERIFICATION_MAX_WAIT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  VERIFICATION_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600_000).default(5_000),
  /** How long AADSTS7000215 (secret refused) counts as replication of a brand-new secret before it is final. */
  VERIFICATION_SECRET_GRACE_SECONDS: z.coerce.number().int().min(0).max(3_600).default(60),
  /** How long 0x80040220 (missing privilege) on a table read counts as Dataverse's privilege cache lagging. */
  VERIFICATION_PRIVILEGE_GRACE_SECONDS: z.coerce.number().int().min(0).max(3_600).default(120),
  VERIFICATION_RETRY_MAX_MS: z.coerce.number().int().min(10).max(600_000).default(60_000),
  JOBS_ENABLED: bool.default(true),
  JOB_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  JOB_LEASE_MS: z.coerce.number().int().min(1_000).max(600_000).default(60_000),
  /** Jobs of each kind run in their own slots, so slow webhook receivers never hold up verifications. */
  JOB_CONCURRENCY_VERIFICATION: z.coerce.number().int().min(1).max(64).default(4),
  JOB_CONCURRENCY_WEBHOOK: z.coerce.number().int().min(1).max(64).default(4),
  /** A job still running after this is given up (retried later) and its slot freed. */
  JOB_MAX_RUNTIME_MS: z.coerce.number().int().min(100).max(3_600_000).default(120_000),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600_000).default(10_000),
  /** Bearer token the Prometheus scraper sends to `/metrics`; unset, `/metrics` answers 401 to everyone. */
  METRICS_TOKEN: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^[\x21-\x7e]{32,512}$/, 'must be 32 to 512 printable characters without spaces')
      .optional(),
  ),
  /** Requests per window per caller on token-bearing and unauthenticated routes. */
  RATE_LIMIT_MAX: z.coerce.number().int().min(1).max(1_000_000).default(300),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** Longest `?wait=` accepted on the status endpoint. */
  STATUS_MAX_WAIT_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  /** An admin with no wizard activity this long is "idle" (needs attention); checked every SETUP_IDLE_SWEEP_MS. */
  SETUP_IDLE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  SETUP_IDLE_SWEEP_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
});

export type { HostMapping } from './lib/host-map.ts';
export type Keyring = { activeKid: string; keys: ReadonlyMap<string, Buffer> };

export type Config = {
  host: string;
  port: number;
  logLevel: z.infer<typeof ConfigSchema>['LOG_LEVEL'];
  publicUrl: string;
  webDistDir: string | undefined;
  /** Which proxies' X-Forwarded-For counts: none, the nearest `hops`, or the listed addresses/CIDRs. */
  trustProxy: TrustProxy;
  instanceId: string;
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };
  dataDir: string;
  keyring: Keyring;
  bootstrapApiKey: string | undefined;
  /** KANTIV_DEV_MODE: development and tests only (see the schema). */
  devMode: boolean;
  tracing: TracingSettings;
  microsoft: {
    authorityHost: string;
    graphBaseUrl: string;
    discoveryBaseUrl: string;
    jwksUrl: string;
    /** PEM text of extra trusted CAs, or undefined (system roots only). */
    ca: string | undefined;
    hostMap: HostMapping[];
    wizardClientId: string;
    /** The cloud of the authority: environment URLs must be Dataverse hosts of this cloud. */
    cloud: DataverseCloud;
  };
  staff: {
    tenantId: string;
    clientId: string;
    audiences: string[];
    apiScope: string;
    issuers: string[];
    jwksUrl: string;
    manageRoles: string[];
    readRoles: string[];
  };
  support: { email: string; name: string };
  defaultManifest: Manifest;
  verification: {
    maxWaitMs: number;
    retryBaseMs: number;
    retryMaxMs: number;
    secretGraceMs: number;
    privilegeGraceMs: number;
  };
  jobs: {
    enabled: boolean;
    pollMs: number;
    leaseMs: number;
    concurrency: { verification: number; webhook: number };
    maxRuntimeMs: number;
  };
  rotation: RotationConfig;
  webhooks: {
    timeoutMs: number;
    maxAttempts: number;
    retryBaseMs: number;
    /** http:// receivers (development mode only). */
    allowHttp: boolean;
    /** Loopback receivers (tests only). */
    allowLoopback: boolean;
  };
  rateLimit: { max: number; windowMs: number };
  statusMaxWaitSeconds: number;
  metricsToken: string | undefined;
  idle: { afterMs: number; sweepMs: number };
  health: HealthConfig;
  console: ConsoleConfig;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Why a 32-byte key cannot have come from a random generator, or undefined. 32 random bytes have about 30 distinct
 * values (fewer than 16 has a probability far below 2^-100), so a key with few distinct bytes was typed or padded
 * by hand: all zeros, one repeated byte, a short pattern repeated.
 */
export function weakKeyReason(key: Buffer): string | undefined {
  const distinct = new Set(key).size;
  if (distinct === 1) return key[0] === 0 ? 'all zero bytes' : 'one byte repeated';
  if (distinct < 16) return `only ${distinct} distinct byte values`;
  return undefined;
}

/** `kid:base64key,…` → a key ring; every key must be exactly 32 bytes (AES-256). */
export function parseKeyring(spec: string, active: string | undefined): Keyring | string[] {
  const problems: string[] = [];
  const keys = new Map<string, Buffer>();
  for (const entry of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const idx = entry.indexOf(':');
    const kid = idx > 0 ? entry.slice(0, idx) : '';
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(kid)) {
      problems.push('KANTIV_KEYS: each entry must be kid:base64key with a short kid ([A-Za-z0-9._-])');
      continue;
    }
    const key = Buffer.from(entry.slice(idx + 1), 'base64');
    const weak = key.length === 32 ? weakKeyReason(key) : undefined;
    if (key.length !== 32) problems.push(`KANTIV_KEYS: key "${kid}" must decode to 32 bytes`);
    else if (weak)
      problems.push(
        `KANTIV_KEYS: key "${kid}" is weak (${weak}); generate one with \`pnpm --filter @kantiv/server generate-key\``,
      );
    else if (keys.has(kid)) problems.push(`KANTIV_KEYS: key "${kid}" is listed twice`);
    else keys.set(kid, key);
  }
  if (keys.size === 0 && problems.length === 0) problems.push('KANTIV_KEYS: no key given');
  const activeKid = active ?? [...keys.keys()].at(-1) ?? '';
  if (keys.size > 0 && !keys.has(activeKid)) {
    problems.push(`KANTIV_ACTIVE_KEY: "${activeKid}" is not in KANTIV_KEYS`);
  }
  return problems.length > 0 ? problems : { activeKid, keys };
}

/** A fresh random key-ring spec; only the demo and tests use it (the demo says so when it does). */
export function generateKeySpec(kid = 'dev'): string {
  return `${kid}:${randomBytes(32).toString('base64')}`;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const c = parsed.data;
  const problems: string[] = [];
  const keyring = parseKeyring(c.KANTIV_KEYS, c.KANTIV_ACTIVE_KEY);
  if (Array.isArray(keyring)) problems.push(...keyring);
  const trustProxy = parseTrustProxy(c.TRUST_PROXY);
  if (typeof trustProxy === 'string') problems.push(trustProxy);

  let ca: string | undefined;
  if (c.MICROSOFT_CA_FILE) {
    try {
      ca = readFileSync(c.MICROSOFT_CA_FILE, 'utf8');
    } catch {
      problems.push(`MICROSOFT_CA_FILE: cannot read ${c.MICROSOFT_CA_FILE}`);
    }
  }
  let defaultManifest: Manifest = DEFAULT_MANIFEST;
  if (c.DEFAULT_MANIFEST_FILE) {
    try {
      const m = ManifestSchema.safeParse(JSON.parse(readFileSync(c.DEFAULT_MANIFEST_FILE, 'utf8')));
      if (m.success) defaultManifest = m.data;
      else problems.push(`DEFAULT_MANIFEST_FILE: not a valid manifest (${m.error.issues[0]?.message})`);
    } catch {
      problems.push(`DEFAULT_MANIFEST_FILE: cannot read JSON from ${c.DEFAULT_MANIFEST_FILE}`);
    }
  }
  const hostMap = parseHostMap(c.MICROSOFT_HOST_MAP ?? [], problems);
  problems.push(...devModeProblems(c));
  const tracing = tracingSettings(env, problems);
  if (problems.length > 0 || Array.isArray(keyring) || typeof trustProxy === 'string')
    throw new ConfigError(problems);

  const cloud =
    c.MICROSOFT_CLOUD ??
    (c.MICROSOFT_AUTHORITY_HOST ? cloudOfAuthority(c.MICROSOFT_AUTHORITY_HOST) : 'public');
  const endpoints = MICROSOFT_CLOUDS[cloud];
  const authority = (c.MICROSOFT_AUTHORITY_HOST ?? endpoints.authorityHost).replace(/\/$/, '');
  const audiences = c.STAFF_API_AUDIENCE.length > 0 ? c.STAFF_API_AUDIENCE : ['api://kantiv-connect'];
  const dataDir = path.resolve(c.DATA_DIR);
  return {
    host: c.HOST,
    port: c.PORT,
    logLevel: c.LOG_LEVEL,
    publicUrl: c.PUBLIC_URL.replace(/\/$/, ''),
    webDistDir: c.WEB_DIST_DIR,
    trustProxy,
    instanceId: c.INSTANCE_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    database: c.DATABASE_URL
      ? { kind: 'postgres', url: c.DATABASE_URL }
      : { kind: 'sqlite', file: path.join(dataDir, 'kantiv-connect.sqlite') },
    dataDir,
    keyring,
    bootstrapApiKey: c.KANTIV_BOOTSTRAP_API_KEY,
    devMode: c.KANTIV_DEV_MODE,
    tracing,
    microsoft: {
      authorityHost: authority,
      graphBaseUrl: (c.MICROSOFT_GRAPH_BASE_URL ?? endpoints.graphBaseUrl).replace(/\/$/, ''),
      discoveryBaseUrl: (c.MICROSOFT_DISCOVERY_BASE_URL ?? endpoints.discoveryBaseUrl).replace(/\/$/, ''),
      jwksUrl: c.MICROSOFT_JWKS_URL ?? `${authority}/common/discovery/v2.0/keys`,
      ca,
      hostMap,
      wizardClientId: c.WIZARD_CLIENT_ID,
      cloud: endpoints.dataverse,
    },
    staff: {
      tenantId: c.STAFF_TENANT_ID,
      clientId: c.STAFF_CLIENT_ID,
      audiences,
      apiScope: c.STAFF_API_SCOPE ?? `${audiences[0]}/Setups.Access`,
      issuers: c.STAFF_JWT_ISSUERS ?? [
        `${authority}/${c.STAFF_TENANT_ID}/v2.0`,
        `https://sts.windows.net/${c.STAFF_TENANT_ID}/`,
      ],
      jwksUrl: c.STAFF_JWKS_URL ?? `${authority}/${c.STAFF_TENANT_ID}/discovery/v2.0/keys`,
      manageRoles: c.STAFF_MANAGE_ROLES,
      readRoles: c.STAFF_READ_ROLES,
    },
    support: { email: c.SUPPORT_EMAIL, name: c.SUPPORT_NAME },
    defaultManifest,
    verification: {
      maxWaitMs: c.VERIFICATION_MAX_WAIT_SECONDS * 1000,
      retryBaseMs: c.VERIFICATION_RETRY_BASE_MS,
      retryMaxMs: c.VERIFICATION_RETRY_MAX_MS,
      secretGraceMs: c.VERIFICATION_SECRET_GRACE_SECONDS * 1000,
      privilegeGraceMs: c.VERIFICATION_PRIVILEGE_GRACE_SECONDS * 1000,
    },
    jobs: {
      enabled: c.JOBS_ENABLED,
      pollMs: c.JOB_POLL_MS,
      leaseMs: c.JOB_LEASE_MS,
      concurrency: { verification: c.JOB_CONCURRENCY_VERIFICATION, webhook: c.JOB_CONCURRENCY_WEBHOOK },
      maxRuntimeMs: c.JOB_MAX_RUNTIME_MS,
    },
    webhooks: {
      timeoutMs: c.WEBHOOK_TIMEOUT_MS,
      maxAttempts: c.WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: c.WEBHOOK_RETRY_BASE_MS,
      allowHttp: c.KANTIV_DEV_MODE,
      allowLoopback: c.WEBHOOK_ALLOW_LOOPBACK,
    },
    rateLimit: { max: c.RATE_LIMIT_MAX, windowMs: c.RATE_LIMIT_WINDOW_MS },
    statusMaxWaitSeconds: c.STATUS_MAX_WAIT_SECONDS,
    metricsToken: c.METRICS_TOKEN,
    idle: { afterMs: c.SETUP_IDLE_SECONDS * 1000, sweepMs: c.SETUP_IDLE_SWEEP_MS },
    health: loadHealthConfig(env),
    console: loadConsoleConfig(env),
    rotation: loadRotationConfig(env),
  };
}

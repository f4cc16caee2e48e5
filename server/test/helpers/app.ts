import { afterAll, beforeAll } from 'vitest';
import { Writable } from 'node:stream';
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { generateKeySpec, loadConfig, type Config } from '../../src/config.ts';
import type { Resolve } from '../../src/lib/address-policy.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { freshDatabase, type DialectName, type TestDatabase } from './databases.ts';
import { startIssuer, type Issuer } from './issuer.ts';

export type TestContext = {
  app: FastifyInstance;
  config: Config;
  db: TestDatabase;
  issuer: Issuer;
  /** Bootstrap API key: every scope. */
  apiKey: string;
  staffManage: string;
  staffRead: string;
  /** The bearer token `/metrics` wants (METRICS_TOKEN). */
  metricsToken: string;
  /** Every log line the app wrote. */
  logs: string[];
  /** Every response body the tests received through `call`. */
  responses: string[];
  /**
   * The app's name resolver: these names and nothing else (an unknown name is ENOTFOUND), so no query ever leaves
   * the machine and a test can point a name at any address. `localhost` answers 127.0.0.1.
   */
  hosts: Map<string, string[]>;
  /** Every name the app looked up, in order. */
  lookups: string[];
  call(opts: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
};

/** The real app on a fresh database, with our test issuer and a bootstrap API key. Logs are captured. */
export async function startTestApp(
  dialect: DialectName,
  env: Record<string, string> = {},
  /** `clock`: business time for the app (lib/clock.ts), e.g. a movable clock the test moves forward. */
  opts: { clock?: Clock } = {},
): Promise<TestContext> {
  const db = await freshDatabase(dialect);
  const issuer = await startIssuer();
  const apiKey = `kc_${randomBytes(32).toString('base64url')}`;
  const metricsToken = `mt_${randomBytes(24).toString('base64url')}`;
  const config = loadConfig({
    KANTIV_KEYS: generateKeySpec('test1'),
    KANTIV_BOOTSTRAP_API_KEY: apiKey,
    DATA_DIR: db.dataDir,
    ...(db.database.kind === 'postgres' ? { DATABASE_URL: db.database.url } : {}),
    LOG_LEVEL: 'info',
    // The test issuer serves its keys over http://127.0.0.1: a development setting.
    KANTIV_DEV_MODE: 'true',
    PUBLIC_URL: 'http://localhost:5173',
    JOB_POLL_MS: '50',
    // Most files test the API alone; the ones about verification turn the job runner on.
    JOBS_ENABLED: 'false',
    RATE_LIMIT_MAX: '100000',
    INSTANCE_ID: `test-${randomUUID().slice(0, 8)}`,
    METRICS_TOKEN: metricsToken,
    ...issuer.env,
    ...env,
  });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const hosts = new Map<string, string[]>([['localhost', ['127.0.0.1']]]);
  const lookups: string[] = [];
  const app = await buildApp({
    config,
    logger: { stream },
    resolve: testResolver(hosts, lookups),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  await app.ready();
  const responses: string[] = [];
  return {
    app,
    config,
    db,
    issuer,
    apiKey,
    staffManage: await issuer.staffToken(['Connect.Manage']),
    staffRead: await issuer.staffToken(['Connect.Read']),
    metricsToken,
    logs,
    responses,
    hosts,
    lookups,
    async call(opts) {
      const res = await app.inject(opts);
      responses.push(JSON.stringify(res.headers), res.body);
      return res;
    },
    async close() {
      await app.close();
      await issuer.close();
      await db.drop();
    },
  };
}

/** Answers from `hosts` only; never the system resolver. */
export function testResolver(hosts: Map<string, string[]>, lookups: string[] = []): Resolve {
  return async (hostname) => {
    lookups.push(hostname);
    const answers = hosts.get(hostname.toLowerCase());
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Creates a setup through the API and returns its id and setup token (from the invite link's fragment). */
export async function createSetup(ctx: TestContext, body: Record<string, unknown> = {}) {
  const res = await ctx.call({
    method: 'POST',
    url: '/api/v1/setups',
    headers: bearer(ctx.apiKey),
    payload: { customerName: 'Contoso Ltd', ...body },
  });
  if (res.statusCode !== 201) throw new Error(`create setup: ${res.statusCode} ${res.body}`);
  const json = res.json<{ setup: { id: string }; inviteUrl: string }>();
  const token = new URL(json.inviteUrl).hash.replace(/^#token=/, '');
  return { id: json.setup.id, token, inviteUrl: json.inviteUrl };
}

/** The nonce the wizard's sign-in must carry, read as the wizard reads it (`GET /api/v1/wizard/setup`). */
export async function signInNonceOf(ctx: TestContext, token: string): Promise<string> {
  const res = await ctx.call({ method: 'GET', url: '/api/v1/wizard/setup', headers: bearer(token) });
  const nonce = res.json<{ signInNonce?: string }>().signInNonce;
  if (res.statusCode !== 200 || !nonce) throw new Error(`wizard setup: ${res.statusCode} ${res.body}`);
  return nonce;
}

/** An ID token as Entra issues it for the wizard's sign-in into this setup (with the setup's nonce). */
export async function wizardIdToken(
  ctx: TestContext,
  token: string,
  tenantId: string,
  username: string,
  extra: Parameters<Issuer['idToken']>[2] = {},
) {
  return ctx.issuer.idToken(tenantId, username, { nonce: await signInNonceOf(ctx, token), ...extra });
}

/** Binds the setup to a tenant with a signed ID token, as the wizard does after Microsoft sign-in. */
export async function bindTenant(
  ctx: TestContext,
  token: string,
  tenantId = randomUUID(),
  username = 'admin@contoso.onmicrosoft.com',
) {
  const idToken = await wizardIdToken(ctx, token, tenantId, username);
  const res = await ctx.call({
    method: 'POST',
    url: '/api/v1/wizard/identity',
    headers: bearer(token),
    payload: { idToken },
  });
  if (res.statusCode !== 200) throw new Error(`identity: ${res.statusCode} ${res.body}`);
  return tenantId;
}

/** A setup as the wizard leaves it: identity bound and a credential handed off (202). Returns its secret too. */
export async function handedOffSetup(ctx: TestContext) {
  const setup = await createSetup(ctx);
  const tenantId = await bindTenant(ctx, setup.token);
  const body = handoffBody(tenantId);
  const res = await ctx.call({
    method: 'POST',
    url: '/api/v1/wizard/credentials',
    headers: bearer(setup.token),
    payload: body,
  });
  if (res.statusCode !== 202) throw new Error(`credentials: ${res.statusCode} ${res.body}`);
  return { ...setup, tenantId, secret: body.clientSecret };
}

export function handoffBody(tenantId: string, extra: Record<string, unknown> = {}) {
  return {
    idempotencyKey: randomUUID(),
    source: 'automatic',
    tenantId,
    clientId: randomUUID(),
    clientSecret: `Kx8Q~${randomBytes(24).toString('base64url')}`,
    secretKeyId: randomUUID(),
    secretExpiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString(),
    environmentUrl: 'https://contoso.crm.dynamics.com',
    applicationUserId: randomUUID(),
    roleName: 'Kantiv Integration',
    ...extra,
  };
}

/**
 * The app for one describe block: started before its tests, closed after them. The returned context forwards to the
 * started one, so tests read it as they would a started context.
 */
export function useTestApp(dialect: DialectName, env: Record<string, string> = {}): TestContext {
  let current: TestContext | undefined;
  beforeAll(async () => {
    current = await startTestApp(dialect, env);
  });
  afterAll(async () => {
    await current?.close();
  });
  return new Proxy({} as TestContext, {
    get(_target, key) {
      if (!current) throw new Error('the test app is not started (use the context inside a test)');
      return Reflect.get(current, key) as unknown;
    },
  });
}

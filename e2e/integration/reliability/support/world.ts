import http from 'node:http';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import type { Manifest } from '@kantiv/shared/manifest';
import { eventually as poll, sleep } from '@kantiv/emulator/test-support/eventually';
import { jsonRequest } from '@kantiv/emulator/test-support/json-request';
import { microsoftHostMap } from '@kantiv/emulator';
import { killAll, spawnNode, type Proc } from './processes.ts';

export const ADMIN = 'admin@contoso.com';
export { sleep };

/** {@link poll} with the suite's patience: processes on a loaded machine, a minute by default. */
export function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  return poll(fn, ok, timeoutMs, 200);
}

/** A small manifest keeps every verification to three Dataverse reads. */
export const MANIFEST: Manifest = {
  roleName: 'Kantiv Integration',
  tables: [
    {
      table: 'account',
      entitySet: 'accounts',
      schemaName: 'Account',
      displayName: 'Accounts',
      access: ['Read'],
      depth: 'Global',
    },
  ],
};

// ------------------------------------------------------------------------------------------------ emulator

export type Reply = { status: number; headers: http.IncomingHttpHeaders; text: string; json: unknown };

/** The emulator in its own process, reached through production host names (SNI + Host), trusting its certificate. */
export type EmulatorProc = {
  proc: Proc;
  port: number;
  certificate: string;
  caFile: string;
  tenants: { contoso: string; fabrikam: string; kantiv: string };
  wizardClientId: string;
  org: { url: string; apiUrl: string };
  request(
    url: string,
    init?: { method?: string; headers?: Record<string, string>; body?: unknown },
  ): Promise<Reply>;
  control(method: string, pathname: string, body?: unknown): Promise<Reply>;
  hostMapEnv(): Record<string, string>;
};

export async function startEmulatorProcess(dir: string, replicationDelayMs = 0): Promise<EmulatorProc> {
  const { proc, match } = await spawnNode(
    'emulator',
    'e2e/integration/reliability/support/emulator-main.ts',
    { REPLICATION_DELAY_MS: String(replicationDelayMs) },
    /^emulator ready (\{.*\})$/,
  );
  const info = JSON.parse(match[1]!) as {
    port: number;
    certificate: string;
    tenants: EmulatorProc['tenants'];
    wizardClientId: string;
    environments: { name: string; url: string; apiUrl: string }[];
  };
  const caFile = path.join(dir, 'emulator-ca.pem');
  writeFileSync(caFile, info.certificate);
  const org = info.environments.find((e) => e.name === 'Contoso Production')!;
  const request: EmulatorProc['request'] = (url, init = {}) => {
    const u = new URL(url);
    const local = u.hostname === 'localhost' || u.hostname === '127.0.0.1';
    const body =
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body);
    const headers: Record<string, string> = {
      host: local ? `localhost:${info.port}` : u.hostname,
      ...(body !== undefined && !init.headers?.['content-type']
        ? { 'content-type': 'application/json' }
        : {}),
      ...init.headers,
    };
    return new Promise<Reply>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: info.port,
          method: init.method ?? 'GET',
          path: u.pathname + u.search,
          headers,
          ca: info.certificate,
          servername: local ? 'localhost' : u.hostname,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  };
  return {
    proc,
    port: info.port,
    certificate: info.certificate,
    caFile,
    tenants: info.tenants,
    wizardClientId: info.wizardClientId,
    org,
    request,
    control: (method, pathname, body) =>
      request(`https://localhost:${info.port}/_emulator${pathname}`, { method, body }),
    hostMapEnv: () => ({
      MICROSOFT_AUTHORITY_HOST: 'https://login.microsoftonline.com',
      MICROSOFT_HOST_MAP: microsoftHostMap(info.port),
      MICROSOFT_CA_FILE: caFile,
      WIZARD_CLIENT_ID: info.wizardClientId,
    }),
  };
}

async function delegated(emu: EmulatorProc, scope: string, user = ADMIN): Promise<string> {
  const r = await emu.control('POST', '/token', { user, scope });
  if (r.status !== 200) throw new Error(`emulator token: ${r.status} ${r.text}`);
  return (r.json as { access_token: string }).access_token;
}

export type Provisioned = { appId: string; secretText: string; applicationUserId: string };

/**
 * What the provisioning engine does in Steps 1–4, through the emulated Graph and Dataverse with the admin's
 * delegated tokens: app registration, secret, service principal, application user with a role.
 */
export async function provision(emu: EmulatorProc): Promise<Provisioned> {
  const GRAPH = 'https://graph.microsoft.com/v1.0';
  const graph = await delegated(emu, 'https://graph.microsoft.com/.default');
  const auth = { authorization: `Bearer ${graph}` };
  const created = await emu.request(
    `${GRAPH}/applications(uniqueName='kantiv-${randomUUID().slice(0, 12)}')`,
    {
      method: 'PATCH',
      headers: { ...auth, prefer: 'create-if-missing' },
      body: { displayName: 'Kantiv Dataverse Connector', signInAudience: 'AzureADMyOrg' },
    },
  );
  if (created.status !== 201) throw new Error(`create app: ${created.status} ${created.text}`);
  const appObj = created.json as { id: string; appId: string };
  const secret = await emu.request(`${GRAPH}/applications/${appObj.id}/addPassword`, {
    method: 'POST',
    headers: auth,
    body: { passwordCredential: { displayName: 'Kantiv secret' } },
  });
  const secretText = (secret.json as { secretText: string }).secretText;
  await eventually(
    () =>
      emu.request(`${GRAPH}/servicePrincipals`, {
        method: 'POST',
        headers: auth,
        body: { appId: appObj.appId },
      }),
    (r) => r.status === 201,
  );
  const dv = await delegated(emu, `${emu.org.url}/user_impersonation`);
  const dvAuth = { authorization: `Bearer ${dv}` };
  const base = `${emu.org.apiUrl}/api/data/v9.2`;
  const bu = await emu.request(
    `${base}/businessunits?$select=businessunitid&$filter=_parentbusinessunitid_value eq null`,
    { headers: dvAuth },
  );
  const buId = (bu.json as { value: { businessunitid: string }[] }).value[0]!.businessunitid;
  const user = await eventually(
    () =>
      emu.request(`${base}/systemusers`, {
        method: 'POST',
        headers: dvAuth,
        body: { applicationid: appObj.appId, 'businessunitid@odata.bind': `/businessunits(${buId})` },
      }),
    (r) => r.status === 204,
  );
  const loc = user.headers['odata-entityid'];
  const userId = /systemusers\((.+)\)$/.exec(String(loc))![1]!;
  const roles = await emu.request(
    `${base}/roles?$select=roleid&$filter=name eq 'System Administrator' and _businessunitid_value eq ${buId}`,
    { headers: dvAuth },
  );
  const roleId = (roles.json as { value: { roleid: string }[] }).value[0]!.roleid;
  const assigned = await emu.request(`${base}/systemusers(${userId})/systemuserroles_association/$ref`, {
    method: 'POST',
    headers: dvAuth,
    body: { '@odata.id': `${base}/roles(${roleId})` },
  });
  if (assigned.status !== 204) throw new Error(`assign role: ${assigned.status} ${assigned.text}`);
  return { appId: appObj.appId, secretText, applicationUserId: userId };
}

/**
 * The admin's Microsoft sign-in as the SPA does it (authorization code + PKCE at the emulated Entra, with the
 * `auto-sign-in` scenario standing in for the clicks): returns the ID token the wizard sends to our server.
 */
export async function signIn(emu: EmulatorProc, user = ADMIN): Promise<string> {
  const scenario = await emu.control('POST', '/scenarios', { name: 'auto-sign-in', user });
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = 'http://localhost:5173/';
  const authority = 'https://login.microsoftonline.com/organizations/oauth2/v2.0';
  const q = new URLSearchParams({
    client_id: emu.wizardClientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid profile offline_access',
    response_mode: 'query',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomUUID(),
    nonce: randomUUID(),
  });
  try {
    const authz = await emu.request(`${authority}/authorize?${q.toString()}`);
    const location = String(authz.headers.location ?? '');
    const code = new URL(location, redirectUri).searchParams.get('code');
    if (!code) throw new Error(`authorize: ${authz.status} ${location} ${authz.text.slice(0, 300)}`);
    const token = await emu.request(`${authority}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:5173' },
      body: new URLSearchParams({
        client_id: emu.wizardClientId,
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
        scope: 'openid profile offline_access',
      }).toString(),
    });
    const idToken = (token.json as { id_token?: string } | undefined)?.id_token;
    if (!idToken) throw new Error(`token: ${token.status} ${token.text.slice(0, 300)}`);
    return idToken;
  } finally {
    await emu.control('DELETE', '/scenarios');
    void scenario;
  }
}

// ------------------------------------------------------------------------------------------------ staff issuer

/** Kantiv's staff identity provider for the suite: signs staff access tokens; JWKS over local HTTP. */
export async function startStaffIssuer() {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const forger = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'staff-1', alg: 'RS256', use: 'sig' };
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const tenant = randomUUID();
  const issuer = `${url}/${tenant}/v2.0`;
  const audience = 'api://kantiv-connect-reliability';
  return {
    env: {
      STAFF_TENANT_ID: tenant,
      STAFF_API_AUDIENCE: audience,
      STAFF_JWT_ISSUERS: issuer,
      STAFF_JWKS_URL: `${url}/${tenant}/discovery/v2.0/keys`,
    },
    token(roles: string[], opts: { expired?: boolean; forged?: boolean } = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ roles, oid: randomUUID(), name: 'Support Person', tid: tenant })
        .setProtectedHeader({ alg: 'RS256', kid: 'staff-1', typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(opts.expired ? now - 7200 : now)
        .setExpirationTime(opts.expired ? now - 3600 : now + 3600)
        .sign(opts.forged ? forger.privateKey : privateKey);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
export type StaffIssuer = Awaited<ReturnType<typeof startStaffIssuer>>;

// ------------------------------------------------------------------------------------------------ PostgreSQL

export type PgDatabase = {
  url: string;
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  dump(): string;
  drop(): Promise<void>;
};

/** A fresh database on the TEST_DATABASE_URL server (started by scripts/test.sh in CI). */
export async function createPgDatabase(): Promise<PgDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl)
    throw new Error(
      'TEST_DATABASE_URL is not set: run through scripts/test.sh, or start PostgreSQL (scripts/lib/postgres.sh)',
    );
  const name = `reliability_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined);
  return {
    url,
    async query<T>(text: string, params: unknown[] = []) {
      return (await pool.query(text, params)).rows as T[];
    },
    dump() {
      const bin = process.env.PG_BIN ? path.join(process.env.PG_BIN, 'pg_dump') : 'pg_dump';
      return execFileSync(bin, [url], { maxBuffer: 512 * 1024 * 1024 }).toString('utf8');
    },
    async drop() {
      await pool.end().catch(() => undefined);
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

// ------------------------------------------------------------------------------------------------ a file's world

/** What a test file runs its servers against: a scratch folder, a fresh database, the emulator, the staff issuer. */
export type World = {
  dir: string;
  db: PgDatabase;
  emu: EmulatorProc;
  issuer: StaffIssuer;
  /** `startServer` environment for all of it: data folder, database, the emulator's host map, the staff issuer. */
  env: Record<string, string>;
};

const teardown: (() => Promise<void> | void)[] = [];

/**
 * Starts the world in `beforeAll`; {@link stopWorld} in `afterAll` undoes whatever of it started, also when a later
 * part failed to start. `emulator: false` leaves the emulator out.
 */
export async function startWorld(prefix: string): Promise<World>;
export async function startWorld(prefix: string, parts: { emulator: false }): Promise<Omit<World, 'emu'>>;
export async function startWorld(
  prefix: string,
  parts: { emulator?: boolean } = {},
): Promise<Omit<World, 'emu'> & { emu?: EmulatorProc }> {
  const dir = tempDir(prefix);
  teardown.push(() => removeDir(dir));
  const db = await createPgDatabase();
  teardown.push(() => db.drop());
  const [emu, issuer] = await Promise.all([
    parts.emulator === false ? undefined : startEmulatorProcess(dir),
    startStaffIssuer().then((i) => {
      teardown.push(() => i.close());
      return i;
    }),
  ]);
  const env = { DATA_DIR: dir, DATABASE_URL: db.url, ...emu?.hostMapEnv(), ...issuer.env };
  return { dir, db, issuer, env, ...(emu ? { emu } : {}) };
}

/** Kills every process the file started, then closes the issuer, drops the database and removes the folder. */
export async function stopWorld(): Promise<void> {
  await killAll();
  for (const undo of teardown.splice(0).reverse()) await undo();
}

// ------------------------------------------------------------------------------------------------ our server

export type ServerProc = { name: string; proc: Proc; base: string; env: Record<string, string> };

export const tempDir = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));
export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });
export const newKey = (kid: string) => `${kid}:${randomBytes(32).toString('base64')}`;
export const newApiKey = () => `kc_${randomBytes(32).toString('base64url')}`;

/** `node --import tsx server/src/server.ts`, configured by environment only, on a free port. */
export async function startServer(name: string, env: Record<string, string>): Promise<ServerProc> {
  const full = {
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    PUBLIC_URL: 'http://localhost:5173',
    INSTANCE_ID: name,
    JOB_POLL_MS: '100',
    VERIFICATION_RETRY_BASE_MS: '300',
    VERIFICATION_RETRY_MAX_MS: '1000',
    VERIFICATION_MAX_WAIT_SECONDS: '120',
    VERIFICATION_SECRET_GRACE_SECONDS: '0',
    RATE_LIMIT_MAX: '1000000',
    ...env,
  };
  const env2 = Object.fromEntries(Object.entries(full).filter(([, v]) => v !== ''));
  if (['info', 'debug', 'trace'].includes(env2.LOG_LEVEL ?? '')) {
    const { proc, match } = await spawnNode(
      name,
      'server/src/server.ts',
      env2,
      /Server listening at (http:\/\/127\.0\.0\.1:\d+)/,
    );
    return { name, proc, base: match[1]!, env: full };
  }
  // Quieter log levels do not print the address: pick a free port and wait for /healthz.
  const port = await freePort();
  const { proc } = await spawnNode(name, 'server/src/server.ts', { ...env2, PORT: String(port) }, null);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (!proc.alive()) throw new Error(`${name} exited:\n${proc.output.join('').slice(-3000)}`);
    const ok = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`${name} did not answer /healthz`);
    await sleep(200);
  }
  return { name, proc, base, env: full };
}

async function freePort(): Promise<number> {
  const srv = http.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

// ------------------------------------------------------------------------------------------------ HTTP client

export type Res = { status: number; headers: Headers; text: string; json: <T = unknown>() => T };

/** Calls our servers over real HTTP; every response (headers and body) is kept for the leak search. */
export function apiClient(responses: string[]) {
  async function call(
    base: string,
    method: string,
    pathname: string,
    opts: { token?: string | undefined; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Res> {
    const res = await fetch(`${base}${pathname}`, jsonRequest(method, opts));
    const text = await res.text();
    const h: string[] = [];
    res.headers.forEach((v, k) => h.push(`${k}: ${v}`));
    responses.push(h.join('\n'), text);
    return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
  }
  return { call };
}
export type Api = ReturnType<typeof apiClient>;

/** A Server-Sent Events watcher over real HTTP; every byte received is kept. */
export function watch(
  base: string,
  setupId: string,
  token: string,
  responses: string[],
  lastEventId?: number,
) {
  const events: { id: number; type: string; data: Record<string, unknown> }[] = [];
  let status = 0;
  let raw = '';
  let req: http.ClientRequest | undefined;
  const opened = new Promise<number>((resolve, reject) => {
    req = http.get(
      `${base}/api/v1/setups/${setupId}/events`,
      {
        headers: {
          accept: 'text/event-stream',
          authorization: `Bearer ${token}`,
          ...(lastEventId !== undefined ? { 'last-event-id': String(lastEventId) } : {}),
        },
      },
      (res) => {
        status = res.statusCode ?? 0;
        resolve(status);
        let pending = '';
        res.on('data', (chunk: Buffer) => {
          const text = chunk.toString('utf8');
          raw += text;
          pending += text;
          const blocks = pending.split('\n\n');
          pending = blocks.pop() ?? '';
          for (const block of blocks) {
            const fields: Record<string, string> = {};
            for (const line of block.split('\n')) {
              const i = line.indexOf(':');
              if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).trimStart();
            }
            if (fields.data && fields.id)
              events.push({
                id: Number(fields.id),
                type: fields.event ?? 'message',
                data: JSON.parse(fields.data) as Record<string, unknown>,
              });
          }
        });
        res.on('error', () => undefined);
      },
    );
    req.on('error', reject);
  });
  return {
    events,
    opened,
    status: () => status,
    close() {
      responses.push(raw);
      req?.destroy();
    },
  };
}

// ------------------------------------------------------------------------------------------------ flows

export const inviteToken = (inviteUrl: string) => new URL(inviteUrl).hash.replace(/^#token=/, '');

export async function createSetup(api: Api, base: string, apiKey: string, customerName = 'Contoso Ltd') {
  const r = await api.call(base, 'POST', '/api/v1/setups', {
    token: apiKey,
    body: { customerName, manifest: MANIFEST, expectedTenantDomain: 'contoso.com' },
  });
  if (r.status !== 201) throw new Error(`create setup: ${r.status} ${r.text}`);
  const body = r.json<{ setup: { id: string }; inviteUrl: string }>();
  return { id: body.setup.id, token: inviteToken(body.inviteUrl) };
}

/** Identity binding and the wizard's step events (Steps 1–4 as the engine reports them). */
export async function wizardUpTo(api: Api, base: string, token: string, emu: EmulatorProc, p: Provisioned) {
  const idToken = await signIn(emu);
  const id = await api.call(base, 'POST', '/api/v1/wizard/identity', { token, body: { idToken } });
  if (id.status !== 200) throw new Error(`identity: ${id.status} ${id.text}`);
  const at = () => new Date().toISOString();
  const events = [
    { seq: 1, step: 'preflight', status: 'succeeded', at: at(), message: 'Roles checked' },
    {
      seq: 2,
      step: 'app_registration',
      status: 'succeeded',
      at: at(),
      message: 'App registered',
      data: { clientId: p.appId },
    },
    { seq: 3, step: 'credential', status: 'succeeded', at: at(), message: 'Secret created' },
    {
      seq: 4,
      step: 'application_user',
      status: 'succeeded',
      at: at(),
      message: 'Application user created',
      data: { applicationUserId: p.applicationUserId, environmentUrl: emu.org.url },
    },
  ];
  const ev = await api.call(base, 'POST', '/api/v1/wizard/events', { token, body: { events } });
  if (ev.status !== 200) throw new Error(`events: ${ev.status} ${ev.text}`);
}

export function handoffBody(emu: EmulatorProc, p: Provisioned, idempotencyKey = randomUUID()) {
  return {
    idempotencyKey,
    source: 'automatic',
    tenantId: emu.tenants.contoso,
    clientId: p.appId,
    clientSecret: p.secretText,
    environmentUrl: emu.org.url,
    applicationUserId: p.applicationUserId,
    roleName: 'Kantiv Integration',
    secretExpiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString(),
  };
}

export async function stateOf(api: Api, base: string, apiKey: string, id: string): Promise<string> {
  const r = await api.call(base, 'GET', `/api/v1/setups/${id}/status`, { token: apiKey });
  return r.json<{ state: string }>().state;
}

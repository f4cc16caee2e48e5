import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateSetupResponseSchema,
  SetupSchema,
  SetupStatusSchema,
  type CreateSetupRequest,
  type CreateSetupResponse,
  type Setup,
  type SetupStatus,
} from '@kantiv/shared/setup';
import { startEmulator, type Emulator } from '@kantiv/emulator';

/**
 * The whole product on this machine for e2e tests and the demo: the Microsoft cloud emulator, our server (with its
 * production Microsoft URLs, reaching the emulator through MICROSOFT_HOST_MAP and trusting its certificate) serving
 * the built SPA, and an API key to create setups with.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export type StackOptions = {
  /** Server port (default: a free one). It must be free: a busy port fails the start instead of borrowing another server. */
  port?: number;
  /** Public origin the invite links use (default `http://127.0.0.1:<port>`). */
  publicUrl?: string;
  webDistDir?: string;
  /** Keep data here (demo); default a throwaway folder removed on close. */
  dataDir?: string;
  logLevel?: string;
  /** Emulator listen port (0: any free one). */
  emulatorPort?: number;
  /** Default Entra replication delay of the emulator (ms). */
  replicationDelayMs?: number;
  /** Extra server environment (e.g. faster verification retries in tests). */
  serverEnv?: Record<string, string>;
  /** Key-encryption keys (`kid:base64`); default a throwaway key. The demo keeps one beside its database. */
  keys?: string;
  /** The bootstrap API key (every scope); default a fresh random one. */
  apiKey?: string;
  /** Where the server's output goes (default: inherit stderr only). */
  serverStdio?: 'inherit' | 'ignore';
  /** `built` (default): `server/dist/server.js`, as production runs it; `source`: `server/src` through tsx (`pnpm dev`). */
  server?: 'built' | 'source';
};

export type Stack = {
  baseUrl: string;
  /** An API key with every scope (setups, status, tokens). */
  apiKey: string;
  emulator: Emulator;
  /** Chromium flags: Microsoft's hosts → the emulator, and its self-signed certificate accepted. */
  chromiumArgs: string[];
  createSetup(input?: Partial<CreateSetupRequest>): Promise<CreateSetupResponse>;
  getSetup(id: string): Promise<Setup>;
  getStatus(id: string): Promise<SetupStatus>;
  api(pathname: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  /** Makes a setup's invite expire now (as if its time had passed), straight in the server's database. */
  expireInvite(id: string): void;
  /**
   * Moves the server's clock for one setup's scheduled health check: the check queued for it (due within one check
   * interval, jitter included) falls due now, as if that much time had passed. Answers how far ahead it was (ms);
   * throws when no check is queued.
   */
  nextHealthCheckNow(id: string): number;
  /**
   * Moves the start of a setup's run of failed health checks (Microsoft answering 503) `ms` into the past, as if the
   * failures had lasted that long. False while no failing check has been recorded yet.
   */
  healthFailingFor(id: string, ms: number): boolean;
  close(): Promise<void>;
};

async function waitForHealthy(url: string, server: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exitCode !== null)
      throw new Error(`The server exited (code ${server.exitCode}) before it was ready.`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`The server was not healthy within ${timeoutMs / 1000} s.`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Binds the port on 127.0.0.1 and releases it: a free port, or a clear error when the given one is taken. */
async function reservePort(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(
              `Port ${port} is already in use on 127.0.0.1; stop what listens there or pick another port.`,
            )
          : err,
      ),
    );
    probe.listen(port, '127.0.0.1', () => {
      const address = probe.address();
      const chosen = typeof address === 'object' && address ? address.port : port;
      probe.close(() => resolve(chosen));
    });
  });
}

/** Node arguments that start the server: the production build, or the sources through tsx for `pnpm dev`. */
export function serverArgs(kind: 'built' | 'source', entry: 'server' | 'cli/commands' = 'server'): string[] {
  if (kind === 'source') return ['--import', 'tsx', path.join(root, `server/src/${entry}.ts`)];
  const built = path.join(root, `server/dist/${entry}.js`);
  if (!existsSync(built)) throw new Error(`${built} is missing: run "pnpm build" first.`);
  // The flags of `pnpm start` (server/package.json).
  return entry === 'server' ? ['--enable-source-maps', '--max-semi-space-size=8', built] : [built];
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const port = await reservePort(options.port ?? 0);
  const baseUrl = `http://127.0.0.1:${port}`;
  const publicUrl = options.publicUrl ?? baseUrl;
  const emulator = await startEmulator({
    port: options.emulatorPort ?? 0,
    replicationDelayMs: options.replicationDelayMs ?? 0,
    spaRedirectUris: [`${publicUrl}/`, `${publicUrl}/redirect.html`],
  });
  const scratch = mkdtempSync(path.join(tmpdir(), 'kantiv-stack-'));
  const dataDir = options.dataDir ?? path.join(scratch, 'data');
  mkdirSync(dataDir, { recursive: true });
  const caFile = path.join(scratch, 'emulator-ca.pem');
  writeFileSync(caFile, emulator.certificate);
  const apiKey = options.apiKey ?? `kc_${randomBytes(32).toString('base64url')}`;
  const wizardClientId = emulator.seed.apps.wizard.appId;

  const server = spawn(process.execPath, serverArgs(options.server ?? 'built'), {
    cwd: root,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      WEB_DIST_DIR: options.webDistDir ?? path.join(root, 'web/dist'),
      LOG_LEVEL: options.logLevel ?? 'warn',
      DATA_DIR: dataDir,
      KANTIV_KEYS: options.keys ?? `e2e:${randomBytes(32).toString('base64')}`,
      KANTIV_BOOTSTRAP_API_KEY: apiKey,
      // The emulator's host map and CA are development settings, as are http:// webhook receivers; the specs'
      // receivers listen on 127.0.0.1, and `hooks.example.com` (the specs' sample receiver) answers from a closed
      // loopback port, so no query or delivery ever leaves the machine.
      KANTIV_DEV_MODE: 'true',
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      MICROSOFT_CA_FILE: caFile,
      MICROSOFT_HOST_MAP: `${emulator.microsoftHostMap},hooks.example.com=127.0.0.1:9`,
      WIZARD_CLIENT_ID: wizardClientId,
      STAFF_TENANT_ID: emulator.tenants.kantiv,
      STAFF_CLIENT_ID: wizardClientId,
      STAFF_API_AUDIENCE: `${emulator.seed.apps.api.identifierUri},${emulator.seed.apps.api.appId}`,
      STAFF_API_SCOPE: `${emulator.seed.apps.api.identifierUri}/access_as_user`,
      RATE_LIMIT_MAX: '100000',
      JOB_POLL_MS: '200',
      VERIFICATION_RETRY_BASE_MS: '500',
      VERIFICATION_RETRY_MAX_MS: '3000',
      // A refused secret counts as "not replicated yet" this long before it is final (manual path, wrong secret).
      VERIFICATION_SECRET_GRACE_SECONDS: '3',
      ...options.serverEnv,
    },
    stdio: ['ignore', options.serverStdio ?? 'ignore', 'inherit'],
  });

  async function close() {
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    await emulator.close();
    rmSync(scratch, { recursive: true, force: true });
  }

  try {
    await waitForHealthy(`${baseUrl}/healthz`, server, 90_000);
  } catch (err) {
    await close();
    throw err;
  }

  /** The server's database. better-sqlite3 is the server's own driver; tests borrow it instead of a test-only route. */
  function openDatabase() {
    const require = createRequire(path.join(root, 'server/package.json'));
    const Database = require('better-sqlite3') as new (file: string) => {
      prepare(sql: string): { run(...args: unknown[]): unknown; get(...args: unknown[]): unknown };
      close(): void;
    };
    return new Database(path.join(dataDir, 'kantiv-connect.sqlite'));
  }

  async function api(pathname: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
    return fetch(`${baseUrl}${pathname}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  }

  async function json<T>(res: Response, parse: (v: unknown) => T): Promise<T> {
    const body: unknown = await res.json();
    if (!res.ok) throw new Error(`${res.url} answered ${res.status}: ${JSON.stringify(body)}`);
    return parse(body);
  }

  return {
    baseUrl,
    apiKey,
    emulator,
    chromiumArgs: emulator.chromiumArgs,
    api,
    async createSetup(input = {}) {
      const res = await api('/api/v1/setups', {
        method: 'POST',
        body: { customerName: 'Contoso Ltd', ...input },
      });
      return json(res, (v) => CreateSetupResponseSchema.parse(v));
    },
    async getSetup(id) {
      return json(await api(`/api/v1/setups/${id}`), (v) => SetupSchema.parse(v));
    },
    expireInvite(id) {
      const db = openDatabase();
      try {
        db.prepare('UPDATE setups SET invite_expires_at = ? WHERE id = ?').run(
          new Date(Date.now() - 60_000).toISOString(),
          id,
        );
      } finally {
        db.close();
      }
    },
    nextHealthCheckNow(id) {
      const db = openDatabase();
      try {
        const job = db
          .prepare(
            "SELECT id, run_at FROM jobs WHERE setup_id = ? AND kind = 'health' AND status = 'queued' ORDER BY run_at LIMIT 1",
          )
          .get(id) as { id: string; run_at: string } | undefined;
        if (!job) throw new Error(`No health check is queued for setup ${id}.`);
        const now = new Date();
        db.prepare('UPDATE jobs SET run_at = ? WHERE id = ?').run(now.toISOString(), job.id);
        return Date.parse(job.run_at) - now.getTime();
      } finally {
        db.close();
      }
    },
    healthFailingFor(id, ms) {
      const db = openDatabase();
      try {
        const r = db
          .prepare(
            'UPDATE setups SET health_unreachable_since = ? WHERE id = ? AND health_unreachable_since IS NOT NULL',
          )
          .run(new Date(Date.now() - ms).toISOString(), id) as { changes: number };
        return r.changes === 1;
      } finally {
        db.close();
      }
    },
    async getStatus(id) {
      return json(await api(`/api/v1/setups/${id}/status`), (v) => SetupStatusSchema.parse(v));
    },
    close,
  };
}

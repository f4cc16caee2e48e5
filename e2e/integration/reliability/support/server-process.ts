import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnNode, type Proc } from './processes.ts';
import { sleep } from './timing.ts';

export type ServerProc = { name: string; proc: Proc; base: string; env: Record<string, string> };

export const tempDir = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));
export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });
export const newKey = (kid: string) => `${kid}:${randomBytes(32).toString('base64')}`;
export const newApiKey = () => `kc_${randomBytes(32).toString('base64url')}`;

/**
 * `node --import tsx server/src/server.ts`, configured by environment only, on a free port; or, with `run`, another
 * script and node flags (the benches run the production build with `pnpm start`'s flags).
 */
export async function startServer(
  name: string,
  env: Record<string, string>,
  run: { script: string; nodeArgs: string[] } = {
    script: 'server/src/server.ts',
    nodeArgs: ['--import', 'tsx'],
  },
): Promise<ServerProc> {
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
      run.script,
      env2,
      /Server listening at (http:\/\/127\.0\.0\.1:\d+)/,
      undefined,
      run.nodeArgs,
    );
    return { name, proc, base: match[1]!, env: full };
  }
  // Quieter log levels do not print the address: pick a free port and wait for /healthz.
  const port = await freePort();
  const { proc } = await spawnNode(
    name,
    run.script,
    { ...env2, PORT: String(port) },
    null,
    undefined,
    run.nodeArgs,
  );
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

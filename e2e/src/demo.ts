import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `pnpm demo`: the whole product on this machine. Starts the server with the built SPA and prints the link to
 * open. Later slices add the Microsoft cloud emulator and a seeded setup with its invite link.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const port = Number(process.env.DEMO_PORT ?? 8080);
const webDist = path.join(root, 'web/dist');
if (!existsSync(path.join(webDist, 'index.html'))) {
  console.error('web/dist is missing: run "pnpm build" first (the demo script does it for you).');
  process.exit(1);
}
const dataDir = path.join(root, '.data/demo');
mkdirSync(dataDir, { recursive: true });

// Only the demo creates a key-encryption key by itself: a local development key, kept beside the demo database so
// a restart can still open what it sealed. Production gives KANTIV_KEYS from its secret store.
const keyFile = path.join(dataDir, 'dev-key.txt');
if (!existsSync(keyFile)) {
  writeFileSync(keyFile, `dev:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  console.log(
    `Created a local DEVELOPMENT key-encryption key in ${keyFile} (demo only; never use it in production).`,
  );
}
const devKeys = readFileSync(keyFile, 'utf8').trim();
const apiKeyFile = path.join(dataDir, 'bootstrap-api-key.txt');
if (!existsSync(apiKeyFile))
  writeFileSync(apiKeyFile, `kc_${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
const bootstrapApiKey = readFileSync(apiKeyFile, 'utf8').trim();

const children: ChildProcess[] = [];
function stopAll(code: number): never {
  for (const child of children) child.kill('SIGTERM');
  process.exit(code);
}
process.once('SIGINT', () => stopAll(0));
process.once('SIGTERM', () => stopAll(0));

const server = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server/src/server.ts')], {
  env: {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    WEB_DIST_DIR: webDist,
    PUBLIC_URL: `http://localhost:${port}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    DATA_DIR: dataDir,
    KANTIV_KEYS: process.env.KANTIV_KEYS ?? devKeys,
    KANTIV_BOOTSTRAP_API_KEY: bootstrapApiKey,
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
children.push(server);
server.once('exit', (code) => {
  console.error(`The server stopped (exit ${code ?? 'signal'}).`);
  stopAll(code ?? 1);
});

const deadline = Date.now() + 60_000;
for (;;) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    if (res.ok) break;
  } catch {
    // not listening yet
  }
  if (Date.now() > deadline) {
    console.error('The server did not become healthy within 60 s.');
    stopAll(1);
  }
  await new Promise((r) => setTimeout(r, 250));
}

// Seed one setup and a read-only API key, so the wizard, the console and curl can be tried at once.
const api = (p: string, body: unknown) =>
  fetch(`http://127.0.0.1:${port}${p}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bootstrapApiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then((r) => r.json() as Promise<Record<string, unknown>>);
const seeded = (await api('/api/v1/setups', { customerName: 'Contoso (demo)' })) as {
  setup: { id: string };
  inviteUrl: string;
};
const readKey = execFileSync(
  process.execPath,
  [
    '--import',
    'tsx',
    path.join(root, 'server/src/cli/commands.ts'),
    'create-api-key',
    '--name',
    'demo read',
    '--scopes',
    'setups:read',
  ],
  { env: { ...process.env, DATA_DIR: dataDir, KANTIV_KEYS: process.env.KANTIV_KEYS ?? devKeys } },
)
  .toString()
  .trim();

console.log('');
console.log('Kantiv Connect demo is running.');
console.log(`  Wizard invite: ${seeded.inviteUrl}`);
console.log(`  Console:       http://localhost:${port}/console`);
console.log(`  Read API key:  ${readKey}`);
console.log(
  `  Try:           curl -H "Authorization: Bearer ${readKey}" http://localhost:${port}/api/v1/setups/${seeded.setup.id}/status`,
);
console.log(`  Open: http://localhost:${port}/`);
console.log('  Stop: Ctrl+C');

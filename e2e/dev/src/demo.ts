import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_PATH } from '@kantiv/emulator/browser';
import { serverArgs, startStack } from './stack.ts';

/**
 * `pnpm demo`: the whole product on this machine — the Microsoft cloud emulator, the server on SQLite serving the
 * built SPA, one seeded setup — and what a person must do to try the wizard in their own browser. The server is the
 * production build (`server/dist`); `pnpm dev` (`--dev`) runs its sources through tsx instead.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const server = process.argv.includes('--dev') ? 'source' : 'built';
const port = Number(process.env.DEMO_PORT ?? 8080);
const emulatorPort = Number(process.env.DEMO_EMULATOR_PORT ?? 8443);
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
const keys = process.env.KANTIV_KEYS ?? readFileSync(keyFile, 'utf8').trim();
const apiKeyFile = path.join(dataDir, 'bootstrap-api-key.txt');
if (!existsSync(apiKeyFile))
  writeFileSync(apiKeyFile, `kc_${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
const apiKey = readFileSync(apiKeyFile, 'utf8').trim();

const origin = `http://localhost:${port}`;
const stack = await startStack({
  port,
  publicUrl: origin,
  webDistDir: webDist,
  dataDir,
  keys,
  apiKey,
  emulatorPort,
  server,
  // Like Microsoft, new app registrations take a few seconds to reach Dataverse: the wizard shows the wait.
  replicationDelayMs: Number(process.env.DEMO_REPLICATION_DELAY_MS ?? 5_000),
  logLevel: process.env.LOG_LEVEL ?? 'warn',
  serverEnv: { VERIFICATION_RETRY_BASE_MS: '2000', VERIFICATION_RETRY_MAX_MS: '10000' },
});

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await stack.close();
  }
  process.exit(code);
}
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

const { setup, inviteUrl } = await stack.createSetup({ customerName: 'Contoso (demo)' });
const readKey = execFileSync(
  process.execPath,
  [...serverArgs(server, 'cli/commands'), 'create-api-key', '--name', 'demo read', '--scopes', 'setups:read'],
  { env: { ...process.env, DATA_DIR: dataDir, KANTIV_KEYS: keys } },
)
  .toString()
  .trim();

const profile = path.join(root, '.data/demo/chromium-profile');
const quoted = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
const chromiumCommand = [
  existsSync(CHROMIUM_PATH) ? CHROMIUM_PATH : 'chromium',
  `--user-data-dir=${profile}`,
  ...stack.chromiumArgs,
  inviteUrl,
]
  .map(quoted)
  .join(' ');

console.log('');
console.log('Kantiv Connect demo is running (Microsoft is emulated on this machine; nothing leaves it).');
console.log(`  Wizard invite: ${inviteUrl}`);
console.log(`  Console:       ${origin}/console`);
console.log(`  Read API key:  ${readKey}`);
console.log(
  `  Try:           curl -H "Authorization: Bearer ${readKey}" ${origin}/api/v1/setups/${setup.id}/status`,
);
console.log('');
console.log('To use the wizard in your own browser:');
console.log(
  '  The app talks to login.microsoftonline.com, graph.microsoft.com and *.dynamics.com exactly as in',
);
console.log(
  `  production; the emulator (https://localhost:${stack.emulator.port}, self-signed certificate) answers`,
);
console.log(
  '  for them. Start a separate Chromium profile that maps those hosts to it and accepts its certificate:',
);
console.log('');
console.log(`  ${chromiumCommand}`);
console.log('');
console.log(
  '  (On another machine, forward ports first: ssh -L 8080:localhost:8080 -L 8443:localhost:8443 …)',
);
console.log(
  '  On the emulator sign-in page pick admin@contoso.com (Cloud Application Administrator and System',
);
console.log('  Administrator), accept the permissions, choose "Contoso Production" and click Connect.');
console.log(
  '  Other seeded accounts show the blockers: sysadmin@contoso.com has no Entra role, cloudadmin@contoso.com',
);
console.log('  is not System Administrator.');
console.log('');
console.log('  Stop: Ctrl+C');

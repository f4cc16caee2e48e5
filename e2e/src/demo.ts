import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
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

console.log('');
console.log('Kantiv Connect demo is running.');
console.log(`  Open: http://localhost:${port}/`);
console.log('  Stop: Ctrl+C');

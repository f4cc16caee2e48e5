import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildApp } from '@kantiv/server/app';
import { generateKeySpec, loadConfig } from '@kantiv/server/config';
import { createTickingClock } from '@kantiv/server/lib/clock';
import type { EmulatorProcess } from './emulator-process.ts';

/**
 * The real server in the bench's own process, reaching the emulator (in its process) through Microsoft's URLs and
 * the emulator's CA, on a ticking clock the bench can move forward. `env` adds the bench's own settings. The emulator
 * may be a child process or in the bench's own process (`pnpm bench provisioning`).
 */
export async function startBenchServer(
  emulator: Pick<EmulatorProcess, 'certificate' | 'microsoftHostMap' | 'wizardClientId'>,
  name: string,
  env: Record<string, string>,
) {
  const dir = mkdtempSync(path.join(tmpdir(), `kc-bench-${name}-`));
  writeFileSync(path.join(dir, 'ca.pem'), emulator.certificate);
  const apiKey = `kc_${randomBytes(32).toString('base64url')}`;
  const clock = createTickingClock();
  const app = await buildApp({
    config: loadConfig({
      LOG_LEVEL: 'silent',
      KANTIV_KEYS: generateKeySpec('bench'),
      KANTIV_BOOTSTRAP_API_KEY: apiKey,
      DATA_DIR: dir,
      KANTIV_DEV_MODE: 'true',
      MICROSOFT_AUTHORITY_HOST: 'https://login.microsoftonline.com',
      MICROSOFT_HOST_MAP: emulator.microsoftHostMap,
      MICROSOFT_CA_FILE: path.join(dir, 'ca.pem'),
      WIZARD_CLIENT_ID: emulator.wizardClientId,
      JOB_POLL_MS: '20',
      RATE_LIMIT_MAX: '1000000',
      ...env,
    }),
    logger: false,
    clock,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  return { app, port, clock, apiKey, auth: { authorization: `Bearer ${apiKey}` } };
}

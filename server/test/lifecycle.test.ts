import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateKeySpec, loadConfig } from '../src/config.ts';
import { openStore } from '../src/db/database.ts';
import { createAudit } from '../src/services/audit.ts';
import { createCredentialStore } from '../src/services/credentials.ts';
import { SetupSchema } from '@kantiv/shared/setup';
import { describeDialects } from './helpers/databases.ts';
import { bearer, createSetup, handedOffSetup, startTestApp, type TestContext } from './helpers/app.ts';
import { startReceiver, type Receiver } from './helpers/receiver.ts';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OLD_KEY = generateKeySpec('old');
const NEW_KEY = generateKeySpec('new');

describeDialects('setup lifecycle and key rotation (%s)', (dialect) => {
  let ctx: TestContext;
  let receiver: Receiver;
  const received: string[] = [];
  beforeAll(async () => {
    ctx = await startTestApp(dialect, {
      KANTIV_KEYS: OLD_KEY,
      JOBS_ENABLED: 'true',
      WEBHOOK_RETRY_BASE_MS: '50',
      // The webhook receiver is this file's own, on 127.0.0.1: the tests-only loopback allowance, explicitly.
      WEBHOOK_ALLOW_LOOPBACK: 'true',
    });
    receiver = await startReceiver((_req, body, res) => {
      received.push(body);
      res.writeHead(200).end();
    });
  });
  afterAll(async () => {
    await receiver.close();
    await ctx.close();
  });

  it('an invite past its expiry becomes expired on the sweep', async () => {
    const { id } = await createSetup(ctx);
    await ctx.app.store.db
      .updateTable('setups')
      .set({ invite_expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', id)
      .execute();
    await ctx.app.setups.expireOverdue();
    const setup = SetupSchema.parse(
      (await ctx.call({ method: 'GET', url: `/api/v1/setups/${id}`, headers: bearer(ctx.staffRead) })).json(),
    );
    expect(setup.state).toBe('expired');
    const extended = await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${id}/extend`,
      headers: bearer(ctx.staffManage),
      payload: { hours: 2 },
    });
    expect(SetupSchema.parse(extended.json()).state).toBe('invited');
  });

  it('credential.expiring is sent once for a verified connection whose secret ends within 30 days', async () => {
    const port = receiver.port;
    await ctx.call({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: bearer(ctx.apiKey),
      payload: { url: `http://127.0.0.1:${port}/`, events: ['credential.expiring'] },
    });
    const { id } = await createSetup(ctx);
    await ctx.app.store.db
      .updateTable('setups')
      .set({ state: 'verified', secret_expires_at: new Date(Date.now() + 10 * 86_400_000).toISOString() })
      .where('id', '=', id)
      .execute();
    expect(await ctx.app.setups.credentialExpiry.sweep()).toBe(1);
    expect(await ctx.app.setups.credentialExpiry.sweep()).toBe(0);
    for (let i = 0; i < 200 && !received.some((b) => b.includes(id)); i += 1)
      await new Promise((r) => setTimeout(r, 25));
    const body = JSON.parse(received.find((b) => b.includes(id))!) as {
      type: string;
      data: { setupId: string };
    };
    expect(body).toMatchObject({ type: 'credential.expiring', data: { setupId: id } });
  });

  it('the rewrap command moves every credential to the new key; the old key can then be removed', async () => {
    const secrets: { id: string; secret: string }[] = [];
    for (let i = 0; i < 3; i += 1) {
      const { id, secret } = await handedOffSetup(ctx);
      secrets.push({ id, secret });
    }
    const env = {
      ...process.env,
      KANTIV_KEYS: `${OLD_KEY},${NEW_KEY}`,
      KANTIV_ACTIVE_KEY: 'new',
      DATA_DIR: ctx.db.dataDir,
      ...(ctx.db.database.kind === 'postgres' ? { DATABASE_URL: ctx.db.database.url } : {}),
    };
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/commands.ts', 'rewrap'], {
      cwd: serverDir,
      env,
    }).toString();
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as {
      credentials: { rewrapped: number; failed: number };
    };
    expect(result.credentials.failed).toBe(0);
    expect(result.credentials.rewrapped).toBeGreaterThanOrEqual(3);

    // Only the new key now: every credential still opens.
    const config = loadConfig({
      KANTIV_KEYS: NEW_KEY,
      DATA_DIR: ctx.db.dataDir,
      ...(ctx.db.database.kind === 'postgres' ? { DATABASE_URL: ctx.db.database.url } : {}),
    });
    const store = await openStore(config.database);
    try {
      const creds = createCredentialStore({
        store,
        keyring: () => config.keyring,
        audit: createAudit(store.db, store.dialect),
      });
      for (const s of secrets) {
        const active = await creds.active(s.id);
        const opened = await creds.reveal(active!.id, 'rotation-check', { kind: 'system', id: 'test' });
        expect(opened.secret).toBe(s.secret);
      }
      const kids = await store.db.selectFrom('credentials').select('kid').distinct().execute();
      expect(kids.map((k) => k.kid)).toEqual(['new']);
    } finally {
      await store.close();
    }
  });
});

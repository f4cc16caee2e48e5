import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SetupSchema, type Setup } from '@kantiv/shared/setup';
import { describeDialects } from './helpers/databases.ts';
import {
  bearer,
  createSetup,
  handedOffSetup,
  handoffBody,
  startTestApp,
  wizardIdToken,
  type TestContext,
} from './helpers/app.ts';

async function settle(ctx: TestContext, id: string): Promise<Setup> {
  for (let i = 0; i < 400; i += 1) {
    const s = SetupSchema.parse(
      (await ctx.call({ method: 'GET', url: `/api/v1/setups/${id}`, headers: bearer(ctx.staffRead) })).json(),
    );
    if (s.state === 'failed' || s.state === 'verified') return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('verification did not settle');
}

/** Reads an SSE stream for a moment and returns what arrived. */
async function readEvents(ctx: TestContext, id: string): Promise<string> {
  const address = await ctx.app
    .listen({ port: 0, host: '127.0.0.1' })
    .catch(() => `http://127.0.0.1:${(ctx.app.server.address() as { port: number }).port}`);
  return new Promise((resolve, reject) => {
    let text = '';
    const req = http.get(
      `${address}/api/v1/setups/${id}/events`,
      { headers: { ...bearer(ctx.staffRead), accept: 'text/event-stream' } },
      (res) => {
        res.on('data', (c: Buffer) => (text += c.toString()));
        setTimeout(() => {
          req.destroy();
          resolve(text);
        }, 300);
      },
    );
    req.on('error', reject);
  });
}

describeDialects('secrets never leak; tampering fails closed (%s)', (dialect) => {
  let ctx: TestContext;
  beforeAll(async () => {
    // Jobs on: the verification job opens the credential and fails (the test authority is plain http), so its
    // error paths are part of what is searched.
    ctx = await startTestApp(dialect, { JOBS_ENABLED: 'true' });
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('a handed-off secret is nowhere: not in the database, a dump, any response, events or the logs', async () => {
    const { id, token } = await createSetup(ctx);
    const idToken = await wizardIdToken(
      ctx,
      token,
      '4b1d7c1e-6a9e-4c7a-9b7e-1f2a3b4c5d6e',
      'admin@contoso.com',
    );
    await ctx.call({
      method: 'POST',
      url: '/api/v1/wizard/identity',
      headers: bearer(token),
      payload: { idToken },
    });
    const body = handoffBody('4b1d7c1e-6a9e-4c7a-9b7e-1f2a3b4c5d6e');
    const secret = body.clientSecret;
    const res = await ctx.call({
      method: 'POST',
      url: '/api/v1/wizard/credentials',
      headers: bearer(token),
      payload: body,
    });
    expect(res.statusCode).toBe(202);
    const settled = await settle(ctx, id);
    expect(settled.state).toBe('failed');
    await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${id}/reverify`,
      headers: bearer(ctx.staffManage),
    });
    await settle(ctx, id);
    for (const url of [
      `/api/v1/setups/${id}`,
      `/api/v1/setups/${id}/status`,
      '/api/v1/setups',
      `/api/v1/audit?setupId=${id}`,
      '/api/v1/wizard/setup',
      '/metrics',
    ]) {
      await ctx.call({
        method: 'GET',
        url,
        headers: bearer(
          url.includes('wizard') ? token : url === '/metrics' ? ctx.metricsToken : ctx.staffManage,
        ),
      });
    }
    await ctx.call({ method: 'POST', url: `/api/v1/connections/${id}/token`, headers: bearer(ctx.apiKey) });
    const events = await readEvents(ctx, id);
    expect(events).toContain('event: ');

    const dump = ctx.db.dump();
    expect(dump.length).toBeGreaterThan(1000);
    expect(dump).toContain(id);
    const haystacks: [string, string][] = [
      ['database', dump],
      ['responses', ctx.responses.join('\n')],
      ['events', events],
      ['logs', ctx.logs.join('')],
    ];
    for (const needle of [secret, Buffer.from(secret).toString('base64')]) {
      for (const [where, text] of haystacks)
        expect(text.includes(needle), `${where} contains the secret`).toBe(false);
    }
    // Bearer credentials never reach the logs or the database either.
    for (const needle of [token, ctx.apiKey, idToken, ctx.staffManage]) {
      expect(ctx.logs.join('').includes(needle)).toBe(false);
      expect(dump.includes(needle)).toBe(false);
    }
    expect(ctx.logs.length).toBeGreaterThan(0);
  });

  it('a flipped ciphertext byte or two swapped ciphertexts fail closed, audited, without exposing anything', async () => {
    const db = ctx.app.store.db;
    const handed: { id: string; secret: string }[] = [];
    for (let i = 0; i < 3; i += 1) {
      const { id, secret } = await handedOffSetup(ctx);
      await settle(ctx, id);
      handed.push({ id, secret });
    }
    const [a, b, c] = handed as [(typeof handed)[0], (typeof handed)[0], (typeof handed)[0]];
    const row = (setupId: string) =>
      db.selectFrom('credentials').selectAll().where('setup_id', '=', setupId).executeTakeFirstOrThrow();
    const ra = await row(a.id);
    const flipped = Buffer.from(ra.ciphertext, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 0xff;
    await db
      .updateTable('credentials')
      .set({ ciphertext: flipped.toString('base64') })
      .where('id', '=', ra.id)
      .execute();
    const [rb, rc] = [await row(b.id), await row(c.id)];
    await db
      .updateTable('credentials')
      .set({ ciphertext: rc.ciphertext, iv: rc.iv, tag: rc.tag, wrapped_key: rc.wrapped_key, kid: rc.kid })
      .where('id', '=', rb.id)
      .execute();
    await db
      .updateTable('credentials')
      .set({ ciphertext: rb.ciphertext, iv: rb.iv, tag: rb.tag, wrapped_key: rb.wrapped_key, kid: rb.kid })
      .where('id', '=', rc.id)
      .execute();

    for (const s of [a, b, c]) {
      const re = await ctx.call({
        method: 'POST',
        url: `/api/v1/setups/${s.id}/reverify`,
        headers: bearer(ctx.staffManage),
      });
      expect(re.statusCode).toBe(202);
      const done = await settle(ctx, s.id);
      expect(done.state).toBe('failed');
      expect(done.verification?.error?.code).toBe('credential_unreadable');
      // Token vending refuses too, even for a setup marked verified.
      await db.updateTable('setups').set({ state: 'verified' }).where('id', '=', s.id).execute();
      const vend = await ctx.call({
        method: 'POST',
        url: `/api/v1/connections/${s.id}/token`,
        headers: bearer(ctx.apiKey),
      });
      expect(vend.statusCode).toBe(409);
      // The message says what happened without a word of the vault's own error.
      expect(vend.json()).toMatchObject({
        error: {
          code: 'credential_rejected',
          message: 'The stored credential failed its integrity check and was not used.',
        },
      });
    }
    const audit = await ctx.call({
      method: 'GET',
      url: `/api/v1/audit?action=credential.decrypt_failed&limit=200`,
      headers: bearer(ctx.staffRead),
    });
    const audited = new Set(audit.json<{ items: { setupId: string }[] }>().items.map((i) => i.setupId));
    for (const s of [a, b, c]) expect(audited.has(s.id)).toBe(true);
    const everything = ctx.responses.join('\n') + ctx.logs.join('');
    for (const s of handed) expect(everything.includes(s.secret)).toBe(false);
  });

  it('the audit log and the event log refuse updates and deletes', async () => {
    const db = ctx.app.store.db;
    await expect(db.updateTable('audit_log').set({ action: 'x' }).execute()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom('setup_events').execute()).rejects.toThrow(/append-only/);
  });
});

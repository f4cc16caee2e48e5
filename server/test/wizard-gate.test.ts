import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { ApiErrorSchema } from '@kantiv/shared/errors';
import type { Actor } from '../src/services/audit.ts';
import { MAX_WIZARD_EVENTS } from '../src/services/setups/wizard-input.ts';
import { VERIFIED_READ_GRACE_MS } from '../src/services/setups/wizard-gate.ts';
import { describeDialects } from './helpers/databases.ts';
import { bearer, handedOffSetup, handoffBody, useTestApp, type TestContext } from './helpers/app.ts';

const VERIFIER: Actor = { kind: 'system', id: 'verification' };
const code = (body: string) => ApiErrorSchema.parse(JSON.parse(body)).error.code;

const post = (
  ctx: TestContext,
  route: 'identity' | 'events' | 'credentials',
  token: string,
  payload: unknown,
) =>
  ctx.call({
    method: 'POST',
    url: `/api/v1/wizard/${route}`,
    headers: bearer(token),
    payload: payload as Record<string, unknown>,
  });

const stepEvent = (seq: number, extra: Record<string, unknown> = {}) => ({
  seq,
  step: 'application_user',
  status: 'succeeded',
  at: new Date().toISOString(),
  message: 'Application user created',
  ...extra,
});

describeDialects('the invite link ends (%s)', (dialect) => {
  const ctx = useTestApp(dialect);
  const row = (id: string) => ctx.app.setups.getRow(id);
  const verify = (id: string) =>
    ctx.app.setups.change(id, VERIFIER, async () => ({
      move: { to: 'verified', on: 'verified' },
      set: {
        verification: JSON.stringify({
          status: 'succeeded',
          attempts: 1,
          checkedAt: new Date().toISOString(),
        }),
      },
    }));
  const fail = (id: string) =>
    ctx.app.setups.change(id, VERIFIER, async () => ({
      move: { to: 'failed', on: 'verification_failed' },
      set: {
        verification: JSON.stringify({ status: 'failed', attempts: 1, checkedAt: new Date().toISOString() }),
      },
    }));

  it('once verified, the token writes nothing (setup_completed) and reads only for a short grace', async () => {
    const s = await handedOffSetup(ctx);
    await verify(s.id);
    const version = (await row(s.id)).version;
    const events = await post(ctx, 'events', s.token, {
      events: [
        stepEvent(50, { data: { environmentUrl: 'https://evil.example.com', clientId: randomUUID() } }),
      ],
    });
    expect(events.statusCode).toBe(409);
    expect(code(events.body)).toBe('setup_completed');
    const handoff = await post(ctx, 'credentials', s.token, handoffBody(s.tenantId));
    expect(handoff.statusCode).toBe(409);
    expect(code(handoff.body)).toBe('setup_completed');
    expect((await row(s.id)).version).toBe(version);
    expect((await row(s.id)).environment_url).toBe('https://contoso.crm.dynamics.com');

    const read = () => ctx.call({ method: 'GET', url: '/api/v1/wizard/setup', headers: bearer(s.token) });
    expect((await read()).statusCode).toBe(200);
    // Past the grace the link is dead for reading too.
    const old = new Date(Date.now() - VERIFIED_READ_GRACE_MS - 60_000).toISOString();
    await ctx.app.store.db
      .updateTable('setups')
      .set({ verification: JSON.stringify({ status: 'succeeded', attempts: 1, checkedAt: old }) })
      .where('id', '=', s.id)
      .execute();
    const late = await read();
    expect(late.statusCode).toBe(401);
    expect(code(late.body)).toBe('setup_completed');
  });

  it('after a staff re-verify that fails, the old link still cannot replace the credential; a new invite link can', async () => {
    const s = await handedOffSetup(ctx);
    await verify(s.id);
    const reverify = await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${s.id}/reverify`,
      headers: bearer(ctx.apiKey),
    });
    expect(reverify.statusCode).toBe(202);
    await fail(s.id);
    const old = await post(ctx, 'credentials', s.token, handoffBody(s.tenantId));
    expect(old.statusCode).toBe(409);
    expect(code(old.body)).toBe('setup_completed');

    const invite = await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${s.id}/invite`,
      headers: bearer(ctx.apiKey),
    });
    const token = new URL(invite.json<{ inviteUrl: string }>().inviteUrl).hash.replace(/^#token=/, '');
    // The environment is bound by the first hand-off: a repair may not point the setup at another host.
    const elsewhere = await post(
      ctx,
      'credentials',
      token,
      handoffBody(s.tenantId, { environmentUrl: 'https://fabrikam.crm.dynamics.com' }),
    );
    expect(elsewhere.statusCode).toBe(403);
    expect((await row(s.id)).environment_url).toBe('https://contoso.crm.dynamics.com');
    const same = await post(ctx, 'credentials', token, handoffBody(s.tenantId));
    expect(same.statusCode).toBe(202);
  });

  it('wizard writes are refused while Kantiv verifies (409), and step events never write setup columns after the hand-off', async () => {
    const s = await handedOffSetup(ctx);
    const before = await row(s.id);
    for (const [route, body] of [
      ['events', { events: [stepEvent(60, { data: { environmentUrl: 'https://evil.example.com' } })] }],
      ['credentials', handoffBody(s.tenantId)],
    ] as const) {
      const r = await post(ctx, route, s.token, body);
      expect(r.statusCode, route).toBe(409);
      expect(code(r.body), route).toBe('conflict');
    }
    expect((await row(s.id)).version).toBe(before.version);

    // A failure re-opens the wizard: its events are stored again, but the hand-off's values stay.
    await fail(s.id);
    const r = await post(ctx, 'events', s.token, {
      events: [
        stepEvent(61, {
          data: {
            environmentUrl: 'https://evil.example.com',
            clientId: randomUUID(),
            applicationUserId: randomUUID(),
            secretExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
          },
        }),
      ],
    });
    expect(r.statusCode).toBe(200);
    const after = await row(s.id);
    for (const col of ['environment_url', 'client_id', 'application_user_id', 'secret_expires_at'] as const)
      expect(after[col], col).toBe(before[col]);
  });

  it('a wizard event claiming the verification step is refused', async () => {
    const s = await handedOffSetup(ctx);
    await fail(s.id);
    const r = await post(ctx, 'events', s.token, {
      events: [stepEvent(70, { step: 'verification', message: 'Connection verified' })],
    });
    expect(r.statusCode).toBe(403);
    const steps = (await ctx.app.setups.get(s.id)).steps;
    expect(steps.find((x) => x.step === 'verification')?.status).not.toBe('succeeded');
  });

  it(`caps the wizard events of one setup at ${MAX_WIZARD_EVENTS}`, async () => {
    const { id, token } = await (async () => {
      const res = await ctx.call({
        method: 'POST',
        url: '/api/v1/setups',
        headers: bearer(ctx.apiKey),
        payload: { customerName: 'Flood Ltd' },
      });
      const body = res.json<{ setup: { id: string }; inviteUrl: string }>();
      return { id: body.setup.id, token: new URL(body.inviteUrl).hash.replace(/^#token=/, '') };
    })();
    // All but the last 100 stored directly (fast); the last 100 through the API, right up to the cap.
    const direct = MAX_WIZARD_EVENTS - 100;
    await ctx.app.store.db
      .insertInto('setup_events')
      .values(
        Array.from({ length: direct }, (_, i) => ({
          setup_id: id,
          seq: i + 1,
          type: 'step',
          source: 'wizard',
          step: 'preflight',
          status: 'running',
          message: 'Checking your roles',
          at: new Date().toISOString(),
          attempt: null,
          retry_at: null,
          error: null,
          data: null,
        })),
      )
      .execute();
    const last = Array.from({ length: 100 }, (_, i) => stepEvent(direct + i + 1));
    expect((await post(ctx, 'events', token, { events: last })).statusCode).toBe(200);
    const over = await post(ctx, 'events', token, { events: [stepEvent(MAX_WIZARD_EVENTS + 1)] });
    expect(over.statusCode).toBe(409);
    expect(code(over.body)).toBe('conflict');
    expect(over.json<{ error: { message: string } }>().error.message).toContain(String(MAX_WIZARD_EVENTS));
    const stored = await ctx.app.store.db
      .selectFrom('setup_events')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('setup_id', '=', id)
      .where('seq', 'is not', null)
      .executeTakeFirst();
    expect(Number(stored?.n)).toBe(MAX_WIZARD_EVENTS);
  });
});

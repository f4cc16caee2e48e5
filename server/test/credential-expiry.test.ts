import { afterAll, beforeAll, expect, it } from 'vitest';
import { SetupListSchema, SetupSchema, SetupStatusSchema } from '@kantiv/shared/setup';
import { WebhookPayloadSchema, type WebhookPayload } from '@kantiv/shared/webhooks';
import { createMovableClock, DAY_MS } from '../src/lib/clock.ts';
import { describeDialects } from './helpers/databases.ts';
import { bearer, handedOffSetup, startTestApp, type TestContext } from './helpers/app.ts';

describeDialects('credential.expiring at 30, 14, 7 and 1 days, with a moved clock (%s)', (dialect) => {
  const clock = createMovableClock();
  let ctx: TestContext;

  // Jobs stay off, so no verification job races the state these tests set; a delivery's body is read where it is
  // queued (lifecycle.test.ts follows one to a receiver).
  beforeAll(async () => {
    ctx = await startTestApp(dialect, { WEBHOOK_ALLOW_LOOPBACK: 'true' }, { clock });
    const sub = await ctx.call({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: bearer(ctx.apiKey),
      payload: { url: 'http://127.0.0.1:9/', events: ['credential.expiring'] },
    });
    expect(sub.statusCode).toBe(201);
  });
  afterAll(async () => {
    await ctx.close();
  });

  /** A handed-off secret setup made verified (verification itself is another file's subject), ending at `endsAt`. */
  async function verifiedSetup(endsAt: Date, kind = 'client_secret') {
    const setup = await handedOffSetup(ctx);
    await ctx.app.store.db
      .updateTable('setups')
      .set({ state: 'verified', secret_expires_at: endsAt.toISOString(), credential_kind: kind })
      .where('id', '=', setup.id)
      .execute();
    return setup;
  }

  /** The `credential.expiring` bodies queued for the setup's receivers, oldest first. */
  const noticesFor = async (id: string): Promise<WebhookPayload[]> => {
    const rows = await ctx.app.store.db
      .selectFrom('webhook_deliveries')
      .select(['payload', 'created_at'])
      .where('setup_id', '=', id)
      .where('event_type', '=', 'credential.expiring')
      .orderBy('created_at')
      .execute();
    return rows.map((r) => WebhookPayloadSchema.parse(JSON.parse(r.payload)));
  };

  it('each threshold is announced once, by webhook, on the setup and in the status', async () => {
    const start = clock.now().getTime();
    const endsAt = new Date(start + 45 * DAY_MS);
    const { id } = await verifiedSetup(endsAt);
    expect(await ctx.app.setups.credentialExpiry.sweep()).toBe(0);
    for (const days of [30, 14, 7, 1]) {
      clock.set(new Date(endsAt.getTime() - days * DAY_MS + 60_000));
      expect(await ctx.app.setups.credentialExpiry.sweep()).toBe(1);
      // Twice, once more: the second sweep at the same threshold sends nothing.
      expect(await ctx.app.setups.credentialExpiry.sweep()).toBe(0);
      const status = SetupStatusSchema.parse(
        (
          await ctx.call({ method: 'GET', url: `/api/v1/setups/${id}/status`, headers: bearer(ctx.apiKey) })
        ).json(),
      );
      expect(status.credential).toEqual({
        kind: 'client_secret',
        expiresAt: endsAt.toISOString(),
        expiringNoticeDays: days,
      });
    }
    clock.set(new Date(endsAt.getTime() + DAY_MS));
    expect(await ctx.app.setups.credentialExpiry.sweep()).toBe(0);

    const notices = await noticesFor(id);
    expect(notices.map((n) => n.data.expiringInDays)).toEqual([30, 14, 7, 1]);
    for (const n of notices) {
      expect(n.type).toBe('credential.expiring');
      expect(n.data).toMatchObject({
        credentialKind: 'client_secret',
        credentialExpiresAt: endsAt.toISOString(),
        state: 'verified',
      });
    }
    const setup = SetupSchema.parse(
      (await ctx.call({ method: 'GET', url: `/api/v1/setups/${id}`, headers: bearer(ctx.staffRead) })).json(),
    );
    expect(setup.credential).toMatchObject({ kind: 'client_secret', expiringNoticeDays: 1 });
    expect(setup.credential?.keyId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a sweep that first sees a credential late announces only the tightest threshold crossed', async () => {
    const { id } = await verifiedSetup(new Date(clock.now().getTime() + 5 * DAY_MS), 'certificate');
    expect(await ctx.app.setups.credentialExpiry.sweep()).toBe(1);
    expect(await ctx.app.setups.credentialExpiry.sweep()).toBe(0);
    const notices = await noticesFor(id);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.data).toMatchObject({ expiringInDays: 7, credentialKind: 'certificate' });
  });

  it('a setup not in use (revoked) gets no notice; the list filters by "expires within N days"', async () => {
    const revoked = await verifiedSetup(new Date(clock.now().getTime() + 2 * DAY_MS));
    await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${revoked.id}/revoke`,
      headers: bearer(ctx.staffManage),
    });
    expect(await ctx.app.setups.credentialExpiry.sweep()).toBe(0);

    const soon = await verifiedSetup(new Date(Date.now() + 10 * DAY_MS));
    const later = await verifiedSetup(new Date(Date.now() + 200 * DAY_MS));
    const list = async (days: number) =>
      SetupListSchema.parse(
        (
          await ctx.call({
            method: 'GET',
            url: `/api/v1/setups?expiresWithinDays=${days}&limit=100`,
            headers: bearer(ctx.staffRead),
          })
        ).json(),
      ).items.map((s) => s.id);
    expect(await list(30)).toContain(soon.id);
    expect(await list(30)).not.toContain(later.id);
    expect(await list(30)).not.toContain(revoked.id);
    expect(await list(365)).toEqual(expect.arrayContaining([soon.id, later.id]));
    const bad = await ctx.call({
      method: 'GET',
      url: '/api/v1/setups?expiresWithinDays=0',
      headers: bearer(ctx.staffRead),
    });
    expect(bad.statusCode).toBe(400);
  });
});

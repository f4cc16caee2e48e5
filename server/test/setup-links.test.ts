import { expect, it } from 'vitest';
import { SetupSchema } from '@kantiv/shared/setup';
import { CreateSetupLinkResponseSchema } from '@kantiv/shared/setup-links';
import { describeDialects } from './helpers/databases.ts';
import { bearer, handedOffSetup, type TestContext, useTestApp } from './helpers/app.ts';

/** A handed-off setup made verified (and, when given, with a health answer), as the health checks leave it. */
async function verifiedSetup(ctx: TestContext, health?: 'healthy' | 'degraded') {
  const setup = await handedOffSetup(ctx);
  const at = new Date().toISOString();
  await ctx.app.store.db
    .updateTable('setups')
    .set({ state: 'verified', ...(health ? { health, health_since: at, health_checked_at: at } : {}) })
    .where('id', '=', setup.id)
    .execute();
  return setup;
}

const issue = (ctx: TestContext, id: string, payload: object) =>
  ctx.call({
    method: 'POST',
    url: `/api/v1/setups/${id}/links`,
    headers: bearer(ctx.staffManage),
    payload,
  });

const read = async (ctx: TestContext, id: string) =>
  SetupSchema.parse(
    (await ctx.call({ method: 'GET', url: `/api/v1/setups/${id}`, headers: bearer(ctx.staffRead) })).json(),
  );

describeDialects('renewal and repair links (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  it('a renewal link for a verified setup is a fresh one-time setup token with a purpose, an end and an audit entry', async () => {
    const setup = await verifiedSetup(ctx, 'healthy');
    const res = await issue(ctx, setup.id, { purpose: 'renew', expiresInHours: 24 });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const link = CreateSetupLinkResponseSchema.parse(res.json());
    expect(link.purpose).toBe('renew');
    expect(link.url).toMatch(new RegExp(`/setup/${setup.id}#token=[A-Za-z0-9_-]{43}&purpose=renew$`));
    const hours = (Date.parse(link.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
    // Only the token's hash is stored; the earlier invite token no longer matches.
    const token = /#token=([^&]+)/.exec(link.url)?.[1] ?? '';
    const row = await ctx.app.store.db
      .selectFrom('setups')
      .selectAll()
      .where('id', '=', setup.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).not.toContain(token);
    expect(await ctx.app.setups.findByToken(setup.token)).toBeUndefined();
    expect((await ctx.app.setups.findByToken(token))?.id).toBe(setup.id);
    const after = await read(ctx, setup.id);
    expect(after.state).toBe('verified');
    expect(after.link).toEqual({ purpose: 'renew', expiresAt: link.expiresAt });
    const audit = await ctx.app.store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('setup_id', '=', setup.id)
      .where('action', '=', 'setup.link_issued')
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]?.details ?? '{}')).toEqual({ purpose: 'renew', expiresAt: link.expiresAt });
    expect(JSON.stringify(audit)).not.toContain(token);
  });

  it('a repair link only once a health check found drift; never for a setup not in use or revoked', async () => {
    const healthy = await verifiedSetup(ctx, 'healthy');
    const refused = await issue(ctx, healthy.id, { purpose: 'repair' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: { code: 'conflict' } });
    expect((await read(ctx, healthy.id)).link).toBeUndefined();

    const degraded = await verifiedSetup(ctx, 'degraded');
    const repair = await issue(ctx, degraded.id, { purpose: 'repair' });
    expect(repair.statusCode, repair.body).toBe(201);
    expect(repair.json<{ url: string }>().url).toMatch(/&purpose=repair$/);
    expect((await read(ctx, degraded.id)).link?.purpose).toBe('repair');

    // Still verifying (not in use yet): no renewal link, only the ordinary invite path.
    const pending = await handedOffSetup(ctx);
    expect((await issue(ctx, pending.id, { purpose: 'renew' })).statusCode).toBe(409);

    const revoked = await verifiedSetup(ctx);
    await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${revoked.id}/revoke`,
      headers: bearer(ctx.staffManage),
    });
    const gone = await issue(ctx, revoked.id, { purpose: 'renew' });
    expect(gone.statusCode).toBe(409);
    expect(gone.json()).toMatchObject({ error: { code: 'setup_revoked' } });
  });

  it('bad input is a 400 in the shared shape; a new invite link ends the renewal link', async () => {
    const setup = await verifiedSetup(ctx);
    for (const payload of [{}, { purpose: 'rotate' }, { purpose: 'renew', expiresInHours: 0 }]) {
      const res = await issue(ctx, setup.id, payload);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'validation_failed' } });
    }
    expect((await issue(ctx, setup.id, { purpose: 'renew' })).statusCode).toBe(201);
    await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${setup.id}/invite`,
      headers: bearer(ctx.staffManage),
    });
    expect((await read(ctx, setup.id)).link).toBeUndefined();
  });
});

import { expect, it } from 'vitest';
import { SetupSchema } from '@kantiv/shared/setup';
import { CreateSetupLinkResponseSchema } from '@kantiv/shared/setup-links';
import { WizardDisconnectResponseSchema } from '@kantiv/shared/disconnect';
import { SHREDDED_KID } from '../src/services/credentials/shred.ts';
import { describeDialects } from './helpers/databases.ts';
import {
  bearer,
  createSetup,
  handedOffSetup,
  type TestContext,
  useTestApp,
  wizardIdToken,
} from './helpers/app.ts';

const ADMIN = 'admin@contoso.onmicrosoft.com';
const REMOVED = { applicationUser: 'removed', securityRole: 'removed', appRegistration: 'soft_deleted' };

async function issue(ctx: TestContext, id: string) {
  return ctx.call({
    method: 'POST',
    url: `/api/v1/setups/${id}/links`,
    headers: bearer(ctx.staffManage),
    payload: { purpose: 'disconnect' },
  });
}
async function disconnectLink(ctx: TestContext, id: string): Promise<string> {
  const res = await issue(ctx, id);
  expect(res.statusCode, res.body).toBe(201);
  const link = CreateSetupLinkResponseSchema.parse(res.json());
  expect(link.url).toMatch(new RegExp(`/setup/${id}#token=[A-Za-z0-9_-]{43}&purpose=disconnect$`));
  return /#token=([^&]+)/.exec(link.url)?.[1] ?? '';
}
const wizardDisconnect = async (ctx: TestContext, token: string, tenantId: string, user = ADMIN) =>
  ctx.call({
    method: 'POST',
    url: '/api/v1/wizard/disconnect',
    headers: bearer(token),
    payload: { idToken: await wizardIdToken(ctx, token, tenantId, user), removed: REMOVED },
  });
const read = async (ctx: TestContext, id: string) =>
  SetupSchema.parse(
    (await ctx.call({ method: 'GET', url: `/api/v1/setups/${id}`, headers: bearer(ctx.staffRead) })).json(),
  );
const credentialKids = async (ctx: TestContext, id: string) =>
  (await ctx.app.store.db.selectFrom('credentials').select('kid').where('setup_id', '=', id).execute()).map(
    (r) => r.kid,
  );
const auditOf = async (ctx: TestContext, id: string) =>
  ctx.app.store.db
    .selectFrom('audit_log')
    .select(['action', 'actor_kind', 'details'])
    .where('setup_id', '=', id)
    .orderBy('id')
    .execute();

describeDialects('disconnect links (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  it("the admin's disconnect link shreds the credential, names the admin in the audit log, and is spent", async () => {
    const setup = await handedOffSetup(ctx);
    const token = await disconnectLink(ctx, setup.id);
    // Until the admin confirms, nothing changes (the connection stays as it was).
    expect((await read(ctx, setup.id)).link?.purpose).toBe('disconnect');
    expect(await credentialKids(ctx, setup.id)).not.toContain(SHREDDED_KID);
    // The link removes, it never provisions: a hand-off through it is refused.
    const handoff = await ctx.call({
      method: 'POST',
      url: '/api/v1/wizard/events',
      headers: bearer(token),
      payload: {
        events: [
          { seq: 1, step: 'preflight', status: 'running', at: new Date().toISOString(), message: 'x' },
        ],
      },
    });
    expect(handoff.statusCode, handoff.body).toBe(409);

    const res = await wizardDisconnect(ctx, token, setup.tenantId);
    expect(res.statusCode, res.body).toBe(200);
    expect(WizardDisconnectResponseSchema.parse(res.json())).toEqual({
      state: 'disconnected',
      credentialsShredded: 1,
      disconnectedBy: ADMIN,
    });
    expect((await read(ctx, setup.id)).state).toBe('disconnected');
    expect(await credentialKids(ctx, setup.id)).toEqual([SHREDDED_KID]);
    const entry = (await auditOf(ctx, setup.id)).find((e) => e.action === 'setup.disconnected');
    expect(entry?.actor_kind).toBe('setup_token');
    expect(JSON.parse(entry?.details ?? '{}')).toMatchObject({
      disconnectedBy: ADMIN,
      tenantRemoval: REMOVED,
      credentialsShredded: 1,
    });
    // Spent: the same link answers that the setup is disconnected.
    const again = await wizardDisconnect(ctx, token, setup.tenantId).catch((e: Error) => e);
    expect(again instanceof Error ? again.message : again.body).toMatch(/setup_disconnected/);
  });

  it('after support disconnected our side, a disconnect link still opens the setup for the customer side, and vends no token', async () => {
    const setup = await handedOffSetup(ctx);
    const ours = await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${setup.id}/disconnect`,
      headers: bearer(ctx.staffManage),
    });
    expect(ours.statusCode, ours.body).toBe(200);
    // The old invite link says the setup is disconnected.
    const old = await ctx.call({ method: 'GET', url: '/api/v1/wizard/setup', headers: bearer(setup.token) });
    expect(old.statusCode).toBe(401);
    expect(old.json<{ error: { code: string } }>().error.code).toBe('setup_disconnected');

    const token = await disconnectLink(ctx, setup.id);
    const opened = await ctx.call({ method: 'GET', url: '/api/v1/wizard/setup', headers: bearer(token) });
    expect(opened.statusCode, opened.body).toBe(200);
    expect(opened.json()).toMatchObject({ state: 'disconnected', link: { purpose: 'disconnect' } });
    // Nothing else is writable on the disconnected setup: a new invite stays refused.
    const invite = await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${setup.id}/invite`,
      headers: bearer(ctx.staffManage),
    });
    expect(invite.statusCode, invite.body).toBe(409);
    expect(invite.json<{ error: { code: string } }>().error.code).toBe('setup_disconnected');
    // Token vending stays gone.
    const vend = await ctx.call({
      method: 'POST',
      url: `/api/v1/connections/${setup.id}/token`,
      headers: bearer(ctx.apiKey),
    });
    expect(vend.statusCode, vend.body).toBe(410);

    // A sign-in of another tenant is refused; the setup's own admin is recorded.
    const wrong = await wizardDisconnect(ctx, token, crypto.randomUUID());
    expect(wrong.statusCode, wrong.body).toBe(403);
    const res = await wizardDisconnect(ctx, token, setup.tenantId, 'other-admin@contoso.onmicrosoft.com');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      credentialsShredded: 0,
      disconnectedBy: 'other-admin@contoso.onmicrosoft.com',
    });
    const entries = await auditOf(ctx, setup.id);
    const cleaned = entries.find((e) => e.action === 'setup.tenant_cleaned');
    expect(JSON.parse(cleaned?.details ?? '{}')).toMatchObject({
      disconnectedBy: 'other-admin@contoso.onmicrosoft.com',
      tenantRemoval: REMOVED,
    });
    expect((await read(ctx, setup.id)).link).toBeUndefined();
  });

  it('a live disconnect link survives our-side disconnect by support', async () => {
    const setup = await handedOffSetup(ctx);
    const token = await disconnectLink(ctx, setup.id);
    await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${setup.id}/disconnect`,
      headers: bearer(ctx.staffManage),
    });
    const opened = await ctx.call({ method: 'GET', url: '/api/v1/wizard/setup', headers: bearer(token) });
    expect(opened.statusCode, opened.body).toBe(200);
  });

  it('a disconnect link needs a setup someone signed in to, and a revoked setup is disconnected first', async () => {
    const invited = await createSetup(ctx);
    expect((await issue(ctx, invited.id)).statusCode).toBe(409);
    const setup = await handedOffSetup(ctx);
    await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${setup.id}/revoke`,
      headers: bearer(ctx.staffManage),
    });
    expect((await issue(ctx, setup.id)).json<{ error: { code: string } }>().error.code).toBe('setup_revoked');
  });

  it('a setup revoked after its hand-off can still be disconnected: its credential is shredded', async () => {
    const setup = await handedOffSetup(ctx);
    const revoke = await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${setup.id}/revoke`,
      headers: bearer(ctx.staffManage),
    });
    expect(revoke.statusCode, revoke.body).toBe(200);
    expect(await credentialKids(ctx, setup.id)).not.toContain(SHREDDED_KID);
    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${setup.id}/disconnect`,
      headers: bearer(ctx.staffManage),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect((await read(ctx, setup.id)).state).toBe('disconnected');
    expect(await credentialKids(ctx, setup.id)).toEqual([SHREDDED_KID]);
    const entry = (await auditOf(ctx, setup.id)).find((e) => e.action === 'setup.disconnected');
    expect(JSON.parse(entry?.details ?? '{}')).toMatchObject({ from: 'revoked', credentialsShredded: 1 });
  });
});

import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { ApiErrorSchema } from '@kantiv/shared/errors';
import { CredentialHandoffResponseSchema } from '@kantiv/shared/credentials';
import { PostStepEventsResponseSchema } from '@kantiv/shared/events';
import { SetupSchema, WizardSetupSchema } from '@kantiv/shared/setup';
import { describeDialects } from './helpers/databases.ts';
import {
  bearer,
  bindTenant,
  createSetup,
  handoffBody,
  useTestApp,
  wizardIdToken,
  type TestContext,
} from './helpers/app.ts';

const code = (body: string) => ApiErrorSchema.parse(JSON.parse(body)).error.code;

/** `GET /api/v1/wizard/setup` with the setup's invite token. */
const getWizardSetup = (ctx: TestContext, token: string) =>
  ctx.call({ method: 'GET', url: '/api/v1/wizard/setup', headers: bearer(token) });

/** `POST /api/v1/wizard/<route>` with the setup's invite token. */
const postWizard = (
  ctx: TestContext,
  route: 'identity' | 'events' | 'credentials',
  token: string,
  payload: Record<string, unknown>,
) => ctx.call({ method: 'POST', url: `/api/v1/wizard/${route}`, headers: bearer(token), payload });

/** The setup as read-only staff see it. */
const staffSetup = async (ctx: TestContext, id: string) =>
  SetupSchema.parse(
    (await ctx.call({ method: 'GET', url: `/api/v1/setups/${id}`, headers: bearer(ctx.staffRead) })).json(),
  );

describeDialects('wizard API (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  it('GET /api/v1/wizard/setup › shows the customer view of its own setup', async () => {
    const { id, token } = await createSetup(ctx, {
      customerName: 'Northwind',
      environmentHint: 'northwind.crm',
    });
    const res = await getWizardSetup(ctx, token);
    expect(res.statusCode).toBe(200);
    const view = WizardSetupSchema.parse(res.json());
    expect(view.id).toBe(id);
    expect(view.environmentHint).toBe('northwind.crm');
    expect(res.json()).not.toHaveProperty('adminUsername');
  });

  it('GET /api/v1/wizard/setup › refuses an expired invite with setup_expired', async () => {
    const { id, token } = await createSetup(ctx, { inviteExpiresInHours: 1 });
    await ctx.app.store.db
      .updateTable('setups')
      .set({ invite_expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', id)
      .execute();
    const res = await getWizardSetup(ctx, token);
    expect(res.statusCode).toBe(401);
    expect(code(res.body)).toBe('setup_expired');
  });

  it('GET /api/v1/wizard/setup › an expired invite says whether a run had reached the tenant', async () => {
    const expire = (id: string) =>
      ctx.app.store.db
        .updateTable('setups')
        .set({ invite_expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('id', '=', id)
        .execute();
    const details = (body: string) => ApiErrorSchema.parse(JSON.parse(body)).error.details;
    const untouched = await createSetup(ctx);
    await expire(untouched.id);
    expect(details((await getWizardSetup(ctx, untouched.token)).body)).toEqual({ runStarted: false });

    const started = await createSetup(ctx);
    const at = new Date().toISOString();
    const ran = await postWizard(ctx, 'events', started.token, {
      events: [{ seq: 1, step: 'preflight', status: 'running', at, message: 'Checking' }],
    });
    expect(ran.statusCode).toBe(200);
    await expire(started.id);
    const res = await getWizardSetup(ctx, started.token);
    expect(code(res.body)).toBe('setup_expired');
    expect(details(res.body)).toEqual({ runStarted: true });
  });

  it('POST /api/v1/wizard/identity › binds the tenant from a verified ID token', async () => {
    const { id, token } = await createSetup(ctx);
    const tenantId = randomUUID();
    const idToken = await wizardIdToken(ctx, token, tenantId, 'admin@northwind.onmicrosoft.com');
    const res = await postWizard(ctx, 'identity', token, { idToken });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ tenantId, username: 'admin@northwind.onmicrosoft.com' });
    const setup = await staffSetup(ctx, id);
    expect(setup.tenantId).toBe(tenantId);
    expect(setup.state).toBe('in_progress');
    expect(setup.adminUsername).toBe('admin@northwind.onmicrosoft.com');
  });

  it('POST /api/v1/wizard/identity › rejects a token for another audience, a forged signature and an issuer of another tenant', async () => {
    const { token } = await createSetup(ctx);
    const tid = randomUUID();
    for (const idToken of [
      await wizardIdToken(ctx, token, tid, 'a@b.com', { audience: randomUUID() }),
      await wizardIdToken(ctx, token, tid, 'a@b.com', { wrongKey: true }),
      await wizardIdToken(ctx, token, tid, 'a@b.com', { issuerTenant: randomUUID() }),
      'eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ4In0.',
    ]) {
      const res = await postWizard(ctx, 'identity', token, { idToken });
      expect(res.statusCode).toBe(400);
      expect(code(res.body)).toBe('invalid_id_token');
    }
  });

  it('POST /api/v1/wizard/identity › refuses a second tenant and a tenant other than the one owning the expected domain', async () => {
    const { token } = await createSetup(ctx);
    await bindTenant(ctx, token);
    const other = await wizardIdToken(ctx, token, randomUUID(), 'admin@other.com');
    const res = await postWizard(ctx, 'identity', token, { idToken: other });
    expect(res.statusCode).toBe(403);
    expect(code(res.body)).toBe('tenant_mismatch');

    const contoso = randomUUID();
    ctx.issuer.addDomain('contoso.com', contoso);
    const expected = await createSetup(ctx, { expectedTenantDomain: 'contoso.com' });
    const wrong = await wizardIdToken(ctx, expected.token, randomUUID(), 'admin@fabrikam.com');
    const res2 = await postWizard(ctx, 'identity', expected.token, { idToken: wrong });
    expect(res2.statusCode).toBe(403);
    expect(code(res2.body)).toBe('tenant_mismatch');
    const right = await wizardIdToken(ctx, expected.token, contoso, 'Admin@Contoso.onmicrosoft.com');
    const res3 = await postWizard(ctx, 'identity', expected.token, { idToken: right });
    expect(res3.statusCode).toBe(200);
  });

  it('POST /api/v1/wizard/events › stores events idempotently by seq and applies them in order', async () => {
    const { id, token } = await createSetup(ctx);
    const at = new Date().toISOString();
    const events = [
      {
        seq: 2,
        step: 'app_registration',
        status: 'succeeded',
        at,
        message: 'App registered',
        data: { clientId: randomUUID() },
      },
      { seq: 1, step: 'app_registration', status: 'running', at, message: 'Registering the app' },
    ];
    const res = await postWizard(ctx, 'events', token, { events });
    expect(res.statusCode).toBe(200);
    expect(PostStepEventsResponseSchema.parse(res.json())).toEqual({
      accepted: 2,
      duplicates: 0,
      lastSeq: 2,
    });
    const retry = await postWizard(ctx, 'events', token, { events });
    expect(PostStepEventsResponseSchema.parse(retry.json())).toEqual({
      accepted: 0,
      duplicates: 2,
      lastSeq: 2,
    });
    // A late, older event is stored but does not roll the step back.
    const late = await postWizard(ctx, 'events', token, {
      events: [{ seq: 0, step: 'app_registration', status: 'pending', at, message: 'queued' }],
    });
    expect(PostStepEventsResponseSchema.parse(late.json()).accepted).toBe(1);
    const setup = await staffSetup(ctx, id);
    const step = setup.steps.find((s) => s.step === 'app_registration');
    expect(step?.status).toBe('succeeded');
    expect(step?.attempts).toBe(1);
    expect(setup.clientId).toBe(events[0]?.data?.clientId);
    expect(setup.state).toBe('in_progress');
  });

  it('POST /api/v1/wizard/events › rejects fields outside the contract (a secret cannot ride along)', async () => {
    const { token } = await createSetup(ctx);
    const res = await postWizard(ctx, 'events', token, {
      events: [
        {
          seq: 1,
          step: 'credential',
          status: 'succeeded',
          at: new Date().toISOString(),
          message: 'ok',
          data: { secretText: 'x' },
        },
      ],
    });
    expect(res.statusCode).toBe(400);
    expect(code(res.body)).toBe('validation_failed');
  });

  it('POST /api/v1/wizard/credentials › stores the credential sealed and answers 202 with the verification state', async () => {
    const { id, token } = await createSetup(ctx);
    const tenantId = await bindTenant(ctx, token);
    const body = handoffBody(tenantId);
    const res = await postWizard(ctx, 'credentials', token, body);
    expect(res.statusCode).toBe(202);
    expect(res.headers['cache-control']).toBe('no-store');
    const result = CredentialHandoffResponseSchema.parse(res.json());
    expect(result).toMatchObject({
      setupId: id,
      state: 'awaiting_verification',
      verification: { status: 'pending' },
    });
    expect(res.body).not.toContain(body.clientSecret);
    const row = await ctx.app.store.db
      .selectFrom('credentials')
      .selectAll()
      .where('setup_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.ciphertext).not.toContain(body.clientSecret);
    expect(row.kid).toBe('test1');
    const jobs = await ctx.app.store.db.selectFrom('jobs').selectAll().where('setup_id', '=', id).execute();
    expect(jobs.map((j) => [j.kind, j.status])).toEqual([['verification', 'queued']]);
  });

  it('POST /api/v1/wizard/credentials › a retry with the same idempotency key stores nothing new; other values conflict', async () => {
    const { id, token } = await createSetup(ctx);
    const tenantId = await bindTenant(ctx, token);
    const body = handoffBody(tenantId);
    const [a, b] = await Promise.all([
      postWizard(ctx, 'credentials', token, body),
      postWizard(ctx, 'credentials', token, body),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    const again = await postWizard(ctx, 'credentials', token, body);
    expect(again.statusCode).toBe(202);
    const rows = await ctx.app.store.db
      .selectFrom('credentials')
      .select('id')
      .where('setup_id', '=', id)
      .execute();
    expect(rows).toHaveLength(1);
    const conflict = await postWizard(ctx, 'credentials', token, { ...body, clientId: randomUUID() });
    expect(conflict.statusCode).toBe(409);
    expect(code(conflict.body)).toBe('idempotency_conflict');
  });

  it('POST /api/v1/wizard/credentials › refuses a credential for another tenant and one before sign-in', async () => {
    const { token } = await createSetup(ctx);
    const early = await postWizard(ctx, 'credentials', token, handoffBody(randomUUID()));
    expect(early.statusCode).toBe(409);
    await bindTenant(ctx, token);
    const res = await postWizard(ctx, 'credentials', token, handoffBody(randomUUID()));
    expect(res.statusCode).toBe(403);
    expect(code(res.body)).toBe('tenant_mismatch');
  });

  it('POST /api/v1/wizard/credentials › validates the body (http environment, missing key, oversized secret)', async () => {
    const { token } = await createSetup(ctx);
    const tenantId = await bindTenant(ctx, token);
    for (const payload of [
      handoffBody(tenantId, { environmentUrl: 'http://contoso.crm.dynamics.com' }),
      { ...handoffBody(tenantId), idempotencyKey: undefined },
      handoffBody(tenantId, { clientSecret: 'x'.repeat(2000) }),
    ]) {
      const res = await postWizard(ctx, 'credentials', token, payload);
      expect(res.statusCode).toBe(400);
    }
  });
});

import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeDialects } from './helpers/databases.ts';
import { bearer, createSetup, useTestApp, wizardIdToken } from './helpers/app.ts';

describeDialects('tenant binding (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  it('two concurrent sign-ins to different tenants: exactly one binds, the other is refused', async () => {
    const { id, token } = await createSetup(ctx);
    const tenants = [randomUUID(), randomUUID()];
    const answers = await Promise.all(
      tenants.map(async (tid) =>
        ctx.call({
          method: 'POST',
          url: '/api/v1/wizard/identity',
          headers: bearer(token),
          payload: {
            idToken: await wizardIdToken(ctx, token, tid, `admin@${tid.slice(0, 8)}.onmicrosoft.com`),
          },
        }),
      ),
    );
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses).toEqual([200, 403]);
    const winner = tenants[answers.findIndex((a) => a.statusCode === 200)];
    const row = await ctx.app.store.db
      .selectFrom('setups')
      .select('tenant_id')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.tenant_id).toBe(winner);
    const loser = answers.find((a) => a.statusCode === 403)!;
    expect(loser.json<{ error: { code: string } }>().error.code).toBe('tenant_mismatch');
  });
});

describeDialects('tenant binding by tenant id, nonce and age (%s)', (dialect) => {
  const ctx = useTestApp(dialect);
  const identity = async (token: string, idToken: string) =>
    ctx.call({
      method: 'POST',
      url: '/api/v1/wizard/identity',
      headers: bearer(token),
      payload: { idToken },
    });
  const codeOf = (body: string) => (JSON.parse(body) as { error: { code: string } }).error.code;

  it('an expected domain is resolved to its tenant through Entra and compared with tid, never with username or email', async () => {
    const contoso = randomUUID();
    const domain = `contoso-${contoso.slice(0, 8)}.com`;
    ctx.issuer.addDomain(domain, contoso);
    const { id, token } = await createSetup(ctx, { expectedTenantDomain: domain });
    // Another tenant's user whose username and email claim the expected domain (a guest, or an unverified email).
    const impostor = await wizardIdToken(ctx, token, randomUUID(), `admin@${domain}`, {
      email: `admin@${domain}`,
    });
    const refused = await identity(token, impostor);
    expect(refused.statusCode).toBe(403);
    expect(codeOf(refused.body)).toBe('tenant_mismatch');
    expect(refused.json<{ error: { message: string } }>().error.message).toContain(domain);
    // The owning tenant's admin binds whatever their username looks like.
    const admin = await wizardIdToken(ctx, token, contoso, 'admin@contoso.onmicrosoft.com');
    const bound = await identity(token, admin);
    expect(bound.statusCode).toBe(200);
    const row = await ctx.app.store.db
      .selectFrom('setups')
      .select(['tenant_id', 'tenant_domain'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ tenant_id: contoso, tenant_domain: domain });
    // Answers are cached: two sign-ins, one lookup.
    expect(ctx.issuer.metadataRequests.filter((d) => d === domain)).toHaveLength(1);
  });

  it('a domain no tenant has verified is a clear 409 (Entra answers invalid_tenant), and nothing is bound', async () => {
    const domain = `nobody-${randomUUID().slice(0, 8)}.com`;
    const { id, token } = await createSetup(ctx, { expectedTenantDomain: domain });
    const res = await identity(token, await wizardIdToken(ctx, token, randomUUID(), `admin@${domain}`));
    expect(res.statusCode).toBe(409);
    expect(codeOf(res.body)).toBe('unknown_tenant_domain');
    expect(res.json<{ error: { message: string } }>().error.message).toContain(domain);
    const row = await ctx.app.store.db
      .selectFrom('setups')
      .select('tenant_id')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.tenant_id).toBeNull();
  });

  it('the ID token must carry this setup’s nonce: none, another setup’s, or one from a replaced invite link is refused', async () => {
    const tid = randomUUID();
    const mine = await createSetup(ctx);
    const theirs = await createSetup(ctx);
    const withoutNonce = await ctx.issuer.idToken(tid, 'admin@contoso.com');
    const otherSetups = await wizardIdToken(ctx, theirs.token, tid, 'admin@contoso.com');
    for (const idToken of [withoutNonce, otherSetups]) {
      const res = await identity(mine.token, idToken);
      expect(res.statusCode).toBe(400);
      expect(codeOf(res.body)).toBe('invalid_id_token');
    }
    // Support issues a new invite link: a token minted for the old link no longer binds.
    const minted = await wizardIdToken(ctx, mine.token, tid, 'admin@contoso.com');
    const reissued = await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${mine.id}/invite`,
      headers: bearer(ctx.apiKey),
    });
    expect(reissued.statusCode).toBe(200);
    const newToken = new URL(reissued.json<{ inviteUrl: string }>().inviteUrl).hash.replace(/^#token=/, '');
    const stale = await identity(newToken, minted);
    expect(stale.statusCode).toBe(400);
    expect(codeOf(stale.body)).toBe('invalid_id_token');
    const fresh = await identity(newToken, await wizardIdToken(ctx, newToken, tid, 'admin@contoso.com'));
    expect(fresh.statusCode).toBe(200);
  });

  it('an ID token older than 10 minutes (iat) is refused with "sign in again"; a 9-minute-old one binds', async () => {
    const { token } = await createSetup(ctx);
    const now = Math.floor(Date.now() / 1000);
    const old = await wizardIdToken(ctx, token, randomUUID(), 'admin@contoso.com', {
      issuedAt: now - 10 * 60 - 180,
    });
    const res = await identity(token, old);
    expect(res.statusCode).toBe(400);
    expect(codeOf(res.body)).toBe('invalid_id_token');
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(/older than 10 minutes/);
    const recent = await wizardIdToken(ctx, token, randomUUID(), 'admin@contoso.com', {
      issuedAt: now - 9 * 60,
    });
    expect((await identity(token, recent)).statusCode).toBe(200);
  });
});

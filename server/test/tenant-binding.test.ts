import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeDialects } from './helpers/databases.ts';
import { bearer, createSetup, useTestApp } from './helpers/app.ts';

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
          payload: { idToken: await ctx.issuer.idToken(tid, `admin@${tid.slice(0, 8)}.onmicrosoft.com`) },
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

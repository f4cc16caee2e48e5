import { expect, it } from 'vitest';
import { ApiErrorSchema } from '@kantiv/shared/errors';
import { describeDialects } from './helpers/databases.ts';
import { bearer, bindTenant, createSetup, handoffBody, useTestApp, type TestContext } from './helpers/app.ts';

const handOff = (ctx: TestContext, token: string, payload: Record<string, unknown>) =>
  ctx.call({ method: 'POST', url: '/api/v1/wizard/credentials', headers: bearer(token), payload });

describeDialects('one environment, one connection (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  it('POST /api/v1/wizard/credentials › an invite for an environment another setup of the tenant already connected says so and points to repair', async () => {
    const first = await createSetup(ctx);
    const tenantId = await bindTenant(ctx, first.token);
    expect((await handOff(ctx, first.token, handoffBody(tenantId))).statusCode).toBe(202);

    const second = await createSetup(ctx);
    await bindTenant(ctx, second.token, tenantId);
    const again = await handOff(ctx, second.token, handoffBody(tenantId));
    expect(again.statusCode).toBe(409);
    const error = ApiErrorSchema.parse(again.json()).error;
    expect(error.code).toBe('environment_already_connected');
    expect(error.message).toContain(`setup ${first.id}`);
    expect(error.message).toMatch(/repair link of that setup instead of a new connection/);

    // Another environment of the same tenant is a connection of its own.
    const sandbox = handoffBody(tenantId, { environmentUrl: 'https://contoso-sandbox.crm.dynamics.com' });
    expect((await handOff(ctx, second.token, sandbox)).statusCode).toBe(202);
  });
});

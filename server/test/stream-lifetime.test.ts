import http from 'node:http';
import { expect, it } from 'vitest';
import { STREAM_KEY_RECHECK_MS } from '../src/routes/setups/stream-lifetime.ts';
import { describeDialects } from './helpers/databases.ts';
import { bearer, createSetup, useTestApp, type TestContext } from './helpers/app.ts';

/** Opens the setup's event stream; resolves with the time the server ended it (or `open` after `waitMs`). */
async function streamEnd(ctx: TestContext, setupId: string, token: string, waitMs: number) {
  const base = await ctx.app
    .listen({ port: 0, host: '127.0.0.1' })
    .catch(() => `http://127.0.0.1:${(ctx.app.server.address() as { port: number }).port}`);
  return new Promise<{ status: number; ended: number | 'open'; opened: number }>((resolve, reject) => {
    const req = http.get(
      `${base}/api/v1/setups/${setupId}/events`,
      { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } },
      (res) => {
        const opened = Date.now();
        const timer = setTimeout(() => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, ended: 'open', opened });
        }, waitMs);
        res.on('data', () => undefined);
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, ended: Date.now(), opened });
        });
        res.on('error', () => undefined);
      },
    );
    req.on('error', reject);
  });
}

describeDialects('an event stream lives no longer than its credential (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  it('GET /api/v1/setups/:id/events › closes when the API key that opened it is revoked', async () => {
    const { id } = await createSetup(ctx);
    const created = await ctx.call({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: bearer(ctx.staffManage),
      payload: { name: 'dashboard', scopes: ['setups:read'] },
    });
    expect(created.statusCode).toBe(201);
    const { key, apiKey } = created.json<{ key: string; apiKey: { id: string } }>();
    const stream = streamEnd(ctx, id, key, 4 * STREAM_KEY_RECHECK_MS + 2_000);
    await new Promise((r) => setTimeout(r, 300));
    const revokedAt = Date.now();
    const revoke = await ctx.call({
      method: 'POST',
      url: `/api/v1/api-keys/${apiKey.id}/revoke`,
      headers: bearer(ctx.staffManage),
    });
    expect(revoke.statusCode).toBe(200);
    const result = await stream;
    expect(result.status).toBe(200);
    expect(result.ended).not.toBe('open');
    expect((result.ended as number) - revokedAt).toBeLessThan(2 * STREAM_KEY_RECHECK_MS + 1_000);
  });

  it('GET /api/v1/setups/:id/events › closes at the staff access token’s exp', async () => {
    const { id } = await createSetup(ctx);
    const token = await ctx.issuer.staffToken(['Connect.Read'], { expiresIn: '3s' });
    const result = await streamEnd(ctx, id, token, 8_000);
    expect(result.status).toBe(200);
    expect(result.ended).not.toBe('open');
    expect(result.ended as number).toBeLessThan(result.opened + 4_500);
  });

  it('GET /api/v1/setups/:id/events › a live API key keeps its stream open', async () => {
    const { id } = await createSetup(ctx);
    const result = await streamEnd(ctx, id, ctx.apiKey, 2 * STREAM_KEY_RECHECK_MS + 500);
    expect(result).toMatchObject({ status: 200, ended: 'open' });
  });
});

import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { SetupEventSchema, type SetupEvent } from '@kantiv/shared/events';
import { SetupListSchema, SetupSchema } from '@kantiv/shared/setup';
import { describeDialects } from './helpers/databases.ts';
import {
  bearer,
  bindTenant,
  createSetup,
  useTestApp,
  wizardIdToken,
  type TestContext,
} from './helpers/app.ts';
import { startReceiver } from './helpers/receiver.ts';

const BLOCKER = {
  code: 'missing_directory_role',
  message: 'Your account has no Entra role that can create app registrations.',
  fix: 'Ask a Global Administrator to give you the Application Administrator role.',
};

async function eventsOf(ctx: TestContext, id: string): Promise<SetupEvent[]> {
  return (await ctx.app.setups.eventsSince(id, 0)).map((e) => SetupEventSchema.parse(e));
}

const moments = (events: SetupEvent[]) => events.map((e) => e.data?.moment).filter(Boolean);

async function getSetup(ctx: TestContext, id: string) {
  const res = await ctx.call({ method: 'GET', url: `/api/v1/setups/${id}`, headers: bearer(ctx.staffRead) });
  return SetupSchema.parse(res.json());
}

async function listAttention(ctx: TestContext, q: string) {
  const res = await ctx.call({
    method: 'GET',
    url: `/api/v1/setups?attention=needed&q=${encodeURIComponent(q)}`,
    headers: bearer(ctx.staffRead),
  });
  expect(res.statusCode).toBe(200);
  return SetupListSchema.parse(res.json());
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeDialects('the admin’s moments (%s)', (dialect) => {
  const ctx = useTestApp(dialect, {
    JOBS_ENABLED: 'true',
    WEBHOOK_ALLOW_LOOPBACK: 'true',
    // Idle has its own block below: here nobody goes idle while a test reads.
    SETUP_IDLE_SECONDS: '3600',
  });

  it('opening, a blocker with its fix, resuming and the list filter are recorded, and setup.blocked is delivered', async () => {
    const received: { type: string; data: { setupId?: string; message?: string } }[] = [];
    const receiver = await startReceiver((_req, body, res) => {
      received.push(JSON.parse(body) as (typeof received)[number]);
      res.writeHead(204).end();
    });
    try {
      const hook = await ctx.call({
        method: 'POST',
        url: '/api/v1/webhooks',
        headers: bearer(ctx.staffManage),
        payload: { url: `${receiver.base}/hook`, events: ['setup.blocked', 'setup.stalled'] },
      });
      expect(hook.statusCode).toBe(201);
      const customer = `Blocked Co ${randomUUID().slice(0, 8)}`;
      const { id, token } = await createSetup(ctx, { customerName: customer });

      await ctx.call({ method: 'GET', url: '/api/v1/wizard/setup', headers: bearer(token) });
      await ctx.call({ method: 'GET', url: '/api/v1/wizard/setup', headers: bearer(token) });
      await bindTenant(ctx, token, randomUUID(), 'casey@contoso.com');
      const blocked = await ctx.call({
        method: 'POST',
        url: '/api/v1/wizard/moments',
        headers: bearer(token),
        payload: { moment: 'blocked', blockers: [BLOCKER] },
      });
      expect(blocked.json()).toEqual({ recorded: true });
      // The same blocker shown again (a reload) is not a new moment.
      const again = await ctx.call({
        method: 'POST',
        url: '/api/v1/wizard/moments',
        headers: bearer(token),
        payload: { moment: 'blocked', blockers: [BLOCKER] },
      });
      expect(again.json()).toEqual({ recorded: false });

      const setup = await getSetup(ctx, id);
      expect(setup.attention).toMatchObject({ kind: 'blocked', message: BLOCKER.message });
      expect(setup.openedAt).toBeDefined();
      const events = await eventsOf(ctx, id);
      expect(moments(events)).toEqual(['invite_opened', 'signed_in', 'blocked']);
      const blockedEvent = events.find((e) => e.data?.moment === 'blocked');
      expect(blockedEvent?.data?.blockers).toEqual([BLOCKER]);
      expect(events.find((e) => e.data?.moment === 'signed_in')?.message).toContain('casey@contoso.com');

      // Listed under "needs attention", counted within the search.
      const list = await listAttention(ctx, customer);
      expect(list.items.map((s) => s.id)).toEqual([id]);
      expect(list.needsAttention).toBe(1);
      expect((await listAttention(ctx, 'no such customer')).needsAttention).toBe(0);

      const delivered = await until('setup.blocked', async () =>
        received.find((r) => r.type === 'setup.blocked' && r.data.setupId === id),
      );
      expect(delivered.data.message).toBe(BLOCKER.message);

      // The admin gets on: a step runs. Attention ends with a "resumed" moment.
      const progress = await ctx.call({
        method: 'POST',
        url: '/api/v1/wizard/events',
        headers: bearer(token),
        payload: {
          events: [
            {
              seq: 1,
              step: 'preflight',
              status: 'running',
              at: new Date().toISOString(),
              message: 'Checking',
            },
          ],
        },
      });
      expect(progress.statusCode).toBe(200);
      expect((await getSetup(ctx, id)).attention).toBeUndefined();
      expect(moments(await eventsOf(ctx, id))).toEqual(['invite_opened', 'signed_in', 'blocked', 'resumed']);
      expect((await listAttention(ctx, customer)).items).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });

  it('a sign-in to the wrong tenant is recorded with who and why, and the admin is still refused', async () => {
    const domain = `contoso-${randomUUID().slice(0, 8)}.com`;
    ctx.issuer.addDomain(domain, randomUUID());
    const { id, token } = await createSetup(ctx, { expectedTenantDomain: domain });
    const idToken = await wizardIdToken(ctx, token, randomUUID(), 'pat@fabrikam.com');
    const res = await ctx.call({
      method: 'POST',
      url: '/api/v1/wizard/identity',
      headers: bearer(token),
      payload: { idToken },
    });
    expect(res.statusCode).toBe(403);
    const setup = await getSetup(ctx, id);
    expect(setup.attention?.kind).toBe('wrong_tenant');
    expect(setup.attention?.message).toContain('pat@fabrikam.com');
    expect(setup.tenantId).toBeUndefined();
    // The wizard reads its setup (and the sign-in nonce) before it signs in.
    expect(moments(await eventsOf(ctx, id))).toEqual(['invite_opened', 'wrong_tenant']);
  });

  it('Cancel is recorded as stopped', async () => {
    const { id, token } = await createSetup(ctx);
    await bindTenant(ctx, token);
    const stopped = await ctx.call({
      method: 'POST',
      url: '/api/v1/wizard/moments',
      headers: bearer(token),
      payload: { moment: 'stopped' },
    });
    expect(stopped.json()).toEqual({ recorded: true });
    expect((await getSetup(ctx, id)).attention?.kind).toBe('stopped');
    expect(moments(await eventsOf(ctx, id))).toEqual(['invite_opened', 'signed_in', 'stopped']);
  });

  it('the wizard of a revoked setup records nothing', async () => {
    const { id, token } = await createSetup(ctx);
    await ctx.call({ method: 'POST', url: `/api/v1/setups/${id}/revoke`, headers: bearer(ctx.apiKey) });
    const res = await ctx.call({
      method: 'POST',
      url: '/api/v1/wizard/moments',
      headers: bearer(token),
      payload: { moment: 'stopped' },
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(moments(await eventsOf(ctx, id))).toEqual([]);
  });
});

describeDialects('idle admins (%s)', (dialect) => {
  const ctx = useTestApp(dialect, {
    JOBS_ENABLED: 'true',
    SETUP_IDLE_SECONDS: '1',
    SETUP_IDLE_SWEEP_MS: '200',
  });

  it('a quiet admin becomes idle through the periodic job, once; a stopped one stays stopped', async () => {
    const stopped = await createSetup(ctx);
    await bindTenant(ctx, stopped.token);
    await ctx.call({
      method: 'POST',
      url: '/api/v1/wizard/moments',
      headers: bearer(stopped.token),
      payload: { moment: 'stopped' },
    });
    const never = await createSetup(ctx);
    const quiet = await createSetup(ctx);
    await bindTenant(ctx, quiet.token);
    const idle = await until('idle', async () => {
      const s = await getSetup(ctx, quiet.id);
      return s.attention?.kind === 'idle' ? s : undefined;
    });
    expect(idle.attention?.message).toMatch(/No activity from the admin for \d+ seconds?/);
    await new Promise((r) => setTimeout(r, 600));
    expect(moments(await eventsOf(ctx, quiet.id)).filter((m) => m === 'idle')).toHaveLength(1);
    expect((await getSetup(ctx, stopped.id)).attention?.kind).toBe('stopped');
    // An invite nobody opened is not idle: nobody is waiting on it yet.
    expect((await getSetup(ctx, never.id)).attention).toBeUndefined();
  });
});

import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { SetupEvent } from '@kantiv/shared/events';
import { SetupStatusSchema } from '@kantiv/shared/setup';
import { buildApp } from '../src/app.ts';
import { describeDialects } from './helpers/databases.ts';
import { bearer, createSetup, startTestApp, useTestApp, type TestContext } from './helpers/app.ts';

type Watcher = { events: SetupEvent[]; waitFor(n: number): Promise<void>; close(): void; status: number };

async function addressOf(app: FastifyInstance): Promise<string> {
  return app
    .listen({ port: 0, host: '127.0.0.1' })
    .catch(() => `http://127.0.0.1:${(app.server.address() as { port: number }).port}`);
}

/** A real SSE client: parses `id:`/`data:` frames into events. */
async function watch(
  app: FastifyInstance,
  setupId: string,
  authorization: string,
  lastEventId?: number,
): Promise<Watcher> {
  const base = await addressOf(app);
  const events: SetupEvent[] = [];
  let waiters: (() => void)[] = [];
  return new Promise((resolve, reject) => {
    const req = http.get(
      `${base}/api/v1/setups/${setupId}/events`,
      {
        headers: {
          authorization,
          accept: 'text/event-stream',
          ...(lastEventId ? { 'last-event-id': String(lastEventId) } : {}),
        },
      },
      (res) => {
        let buffer = '';
        res.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          let idx;
          while ((idx = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, idx);
            buffer = buffer.slice(idx + 2);
            const data = frame
              .split('\n')
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5).trim())
              .join('\n');
            if (data) events.push(JSON.parse(data) as SetupEvent);
          }
          waiters.forEach((w) => w());
        });
        resolve({
          events,
          status: res.statusCode ?? 0,
          waitFor: (n) =>
            new Promise<void>((done, fail) => {
              const timer = setTimeout(
                () => fail(new Error(`only ${events.length} of ${n} events arrived`)),
                15_000,
              );
              const check = () => {
                if (events.length >= n) {
                  clearTimeout(timer);
                  waiters = waiters.filter((w) => w !== check);
                  done();
                }
              };
              waiters.push(check);
              check();
            }),
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
  });
}

describeDialects('live events (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  it('GET /api/v1/setups/:id/events › replays history, then streams new events live, in order', async () => {
    const { id, token } = await createSetup(ctx);
    const watcher = await watch(ctx.app, id, `Bearer ${ctx.staffRead}`);
    expect(watcher.status).toBe(200);
    await watcher.waitFor(1);
    expect(watcher.events[0]?.data).toMatchObject({ state: 'invited' });
    const at = new Date().toISOString();
    await ctx.call({
      method: 'POST',
      url: '/api/v1/wizard/events',
      headers: bearer(token),
      payload: {
        events: [{ seq: 1, step: 'preflight', status: 'running', at, message: 'Checking your roles' }],
      },
    });
    await watcher.waitFor(3);
    expect(watcher.events.map((e) => e.type)).toEqual(['state', 'step', 'state']);
    expect(watcher.events[1]).toMatchObject({ step: 'preflight', status: 'running', source: 'wizard' });
    const ids = watcher.events.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    watcher.close();
  });

  it('GET /api/v1/setups/:id/events › resumes after Last-Event-ID without repeating events', async () => {
    const { id } = await createSetup(ctx);
    await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${id}/extend`,
      headers: bearer(ctx.staffManage),
      payload: { hours: 1 },
    });
    const first = await watch(ctx.app, id, `Bearer ${ctx.apiKey}`);
    await first.waitFor(2);
    first.close();
    const lastId = first.events[0]!.id;
    const resumed = await watch(ctx.app, id, `Bearer ${ctx.apiKey}`, lastId);
    await resumed.waitFor(1);
    expect(resumed.events.map((e) => e.id)).toEqual([first.events[1]!.id]);
    resumed.close();
  });

  it('many watchers of one setup all receive the event', async () => {
    const { id } = await createSetup(ctx);
    const watchers = await Promise.all(
      Array.from({ length: 20 }, () => watch(ctx.app, id, `Bearer ${ctx.staffRead}`)),
    );
    await Promise.all(watchers.map((w) => w.waitFor(1)));
    await ctx.call({ method: 'POST', url: `/api/v1/setups/${id}/revoke`, headers: bearer(ctx.staffManage) });
    await Promise.all(watchers.map((w) => w.waitFor(2)));
    for (const w of watchers) {
      expect(w.events[1]?.data).toMatchObject({ state: 'revoked' });
      w.close();
    }
  });
});

describeDialects(
  'several instances on one database (%s)',
  (dialect) => {
    let ctx: TestContext;
    let other: FastifyInstance;
    beforeAll(async () => {
      ctx = await startTestApp(dialect);
      other = await buildApp({ config: { ...ctx.config, instanceId: 'instance-b' }, logger: false });
      await other.ready();
    });
    afterAll(async () => {
      await other.close();
      await ctx.close();
    });

    it('a watcher on instance A sees events posted through instance B (LISTEN/NOTIFY)', async () => {
      const { id, token } = await createSetup(ctx);
      const watcher = await watch(ctx.app, id, `Bearer ${ctx.staffRead}`);
      await watcher.waitFor(1);
      const res = await other.inject({
        method: 'POST',
        url: '/api/v1/wizard/events',
        headers: bearer(token),
        payload: {
          events: [
            {
              seq: 1,
              step: 'environment',
              status: 'succeeded',
              at: new Date().toISOString(),
              message: 'Picked Contoso',
            },
          ],
        },
      });
      expect(res.statusCode).toBe(200);
      await watcher.waitFor(3);
      expect(watcher.events[1]).toMatchObject({ step: 'environment', status: 'succeeded' });
      watcher.close();
    });

    it('a plain poll on instance A sees a change made through instance B at once (NOTIFY forgets its cached version)', async () => {
      const { id } = await createSetup(ctx);
      const status = () =>
        ctx.call({ method: 'GET', url: `/api/v1/setups/${id}/status`, headers: bearer(ctx.apiKey) });
      // Watching on A tells us when B's NOTIFY has reached A: no deadline to race on a busy machine.
      const watcher = await watch(ctx.app, id, `Bearer ${ctx.staffRead}`);
      await watcher.waitFor(1);
      expect((await status()).headers.etag).toBe('"1"');
      const before = watcher.events.length;
      await other.inject({
        method: 'POST',
        url: `/api/v1/setups/${id}/revoke`,
        headers: bearer(ctx.staffManage),
      });
      await watcher.waitFor(before + 1);
      watcher.close();
      // The first poll after the event already shows the change: A forgot its cached version on the event instead
      // of letting it age out (STATUS_VERSION_TTL_MS); that path is covered by setups.test.ts.
      expect(SetupStatusSchema.parse((await status()).json()).state).toBe('revoked');
    });

    it('a long-poll on instance A returns when instance B changes the setup', async () => {
      const { id } = await createSetup(ctx);
      const first = await ctx.call({
        method: 'GET',
        url: `/api/v1/setups/${id}/status`,
        headers: bearer(ctx.apiKey),
      });
      const poll = ctx.call({
        method: 'GET',
        url: `/api/v1/setups/${id}/status?wait=20`,
        headers: { ...bearer(ctx.apiKey), 'if-none-match': first.headers.etag as string },
      });
      await new Promise((r) => setTimeout(r, 200));
      await other.inject({
        method: 'POST',
        url: `/api/v1/setups/${id}/revoke`,
        headers: bearer(ctx.staffManage),
      });
      const res = await poll;
      expect(res.statusCode).toBe(200);
      expect(SetupStatusSchema.parse(res.json()).state).toBe('revoked');
    });
  },
  ['postgres'],
);

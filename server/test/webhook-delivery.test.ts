import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import type { FastifyBaseLogger } from 'fastify';
import { generateKeySpec, parseKeyring, type Keyring } from '../src/config.ts';
import { openStore, type Store } from '../src/db/database.ts';
import { createAddressGuard } from '../src/lib/address-policy.ts';
import { createHttpClient } from '../src/lib/http-client.ts';
import { createMovableClock, systemClock, type Clock } from '../src/lib/clock.ts';
import { createAudit } from '../src/services/audit.ts';
import { createJobRunner, type Job } from '../src/services/jobs.ts';
import { createWebhooks, type Webhooks } from '../src/services/webhooks.ts';
import { describeDialects, freshDatabase, type TestDatabase } from './helpers/databases.ts';

const log = {
  warn: () => undefined,
  error: () => undefined,
  info: () => undefined,
} as unknown as FastifyBaseLogger;
const OLD = generateKeySpec('old');
const NEW = generateKeySpec('new');
const keyring = (spec: string, active?: string): Keyring => parseKeyring(spec, active) as Keyring;
const actor = { kind: 'system' as const, id: 'test' };
const MAX_ATTEMPTS = 3;

/**
 * The webhook service over `store` with the old key, its own job runner (never started) and a guard that lets
 * loopback through: receivers are loopback IP literals the test starts, and no name is ever resolved.
 */
function webhooksOver(
  store: Store,
  opts: { allowHttp: boolean; clock?: Clock; secretGraceMs?: number },
): Webhooks {
  const guard = createAddressGuard({
    resolve: (host) => Promise.reject(new Error(`no lookup in this test: ${host}`)),
    allowLoopback: true,
  });
  return createWebhooks({
    store,
    keyring: () => keyring(OLD),
    audit: createAudit(store.db, store.dialect),
    http: createHttpClient({ guard }),
    guard,
    jobs: createJobRunner({ store, instanceId: 'test', leaseMs: 30_000, pollMs: 50, log }),
    config: { timeoutMs: 5_000, maxAttempts: MAX_ATTEMPTS, retryBaseMs: 10, allowHttp: opts.allowHttp },
    clock: opts.clock ?? systemClock,
    secretGraceMs: opts.secretGraceMs ?? 0,
  });
}

/**
 * Webhook delivery driven one attempt at a time (the job runner is not started: each `runJob` is one attempt), so
 * give-up, deleted subscriptions and key rotation are checked without waiting on backoff timers.
 */
describeDialects('webhook delivery, give-up and key rotation (%s)', (dialect) => {
  let db: TestDatabase;
  let store: Store;
  let hooks: Webhooks;
  let current = keyring(OLD);
  let receiver: http.Server;
  let base = '';
  const received: { path: string; headers: Record<string, string>; body: string }[] = [];

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    store = await openStore(db.database);
    const jobs = createJobRunner({ store, instanceId: 'test', leaseMs: 30_000, pollMs: 50, log });
    // Receivers are loopback IP literals started here; no name is ever resolved.
    const guard = createAddressGuard({
      resolve: (host) => Promise.reject(new Error(`no lookup in this test: ${host}`)),
      allowLoopback: true,
    });
    hooks = createWebhooks({
      store,
      keyring: () => current,
      audit: createAudit(store.db, store.dialect),
      http: createHttpClient({ guard }),
      guard,
      jobs,
      config: { timeoutMs: 5_000, maxAttempts: MAX_ATTEMPTS, retryBaseMs: 10, allowHttp: true },
      clock: systemClock,
      secretGraceMs: 0,
    });
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          headers: {
            'webhook-id': String(req.headers['webhook-id']),
            'webhook-timestamp': String(req.headers['webhook-timestamp']),
            'webhook-signature': String(req.headers['webhook-signature']),
          },
          body,
        });
        res.writeHead(req.url === '/down' ? 503 : 200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => receiver.close(() => r()));
    await store.close();
    await db.drop();
  });

  /** Subscribes, emits one event and returns the delivery job (queued, not run). */
  async function queued(pathname: string) {
    const { subscription, signingSecret } = await hooks.create(
      { url: `${base}${pathname}`, events: ['setup.failed'] },
      undefined,
      actor,
    );
    const setupId = crypto.randomUUID();
    await hooks.emit('setup.failed', setupId);
    // Every earlier subscription wants this event too: take the job of this subscription's delivery.
    const { id } = await store.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('subscription_id', '=', subscription.id)
      .where('setup_id', '=', setupId)
      .executeTakeFirstOrThrow();
    const job = await store.db
      .selectFrom('jobs')
      .selectAll()
      .where('ref_id', '=', id)
      .executeTakeFirstOrThrow();
    return { subscription, signingSecret, job };
  }
  const attempt = (job: Job) => hooks.runJob({ ...job, attempts: job.attempts + 1 });
  const delivery = (id: string) =>
    store.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const hits = (pathname: string) => received.filter((r) => r.path === pathname).length;

  it(`gives up after WEBHOOK_MAX_ATTEMPTS (${MAX_ATTEMPTS}) attempts at a failing receiver`, async () => {
    const { job } = await queued('/down');
    const outcomes: string[] = [];
    for (let i = 0; i < MAX_ATTEMPTS; i += 1) outcomes.push((await attempt(job)).outcome);
    expect(outcomes).toEqual(['retry', 'retry', 'failed']);
    expect(await delivery(job.ref_id!)).toMatchObject({
      status: 'failed',
      attempts: MAX_ATTEMPTS,
      last_status_code: 503,
      next_attempt_at: null,
    });
    expect(hits('/down')).toBe(MAX_ATTEMPTS);
  });

  it('does not deliver to a subscription deleted after the event was queued', async () => {
    const { subscription, job } = await queued('/deleted');
    await hooks.remove(subscription.id, undefined, actor);
    expect((await attempt(job)).outcome).toBe('failed');
    expect(await delivery(job.ref_id!)).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: 'subscription deleted',
    });
    expect(hits('/deleted')).toBe(0);
  });

  it('rewrapAll moves every signing secret to the new key; deliveries sign with the same secret afterwards', async () => {
    current = keyring(OLD);
    const { signingSecret, job } = await queued('/rotated');
    current = keyring(`${OLD},${NEW}`, 'new');
    const result = await hooks.rewrapAll(actor);
    expect(result.failed).toBe(0);
    expect(result.rewrapped).toBeGreaterThanOrEqual(1);
    const kids = await store.db.selectFrom('webhook_subscriptions').select('kid').distinct().execute();
    expect(kids.map((k) => k.kid)).toEqual(['new']);
    expect(await hooks.rewrapAll(actor)).toEqual({ rewrapped: 0, failed: 0 });

    current = keyring(NEW);
    expect((await attempt(job)).outcome).toBe('done');
    const hit = received.filter((r) => r.path === '/rotated').at(-1)!;
    expect(() => new Webhook(signingSecret).verify(hit.body, hit.headers)).not.toThrow();
  });

  it('a delivery whose secret no key opens fails cleanly: attempts counted, given up, nothing sent', async () => {
    current = keyring(OLD);
    const { signingSecret, job } = await queued('/orphan');
    // The old key was removed without a rewrap of this subscription.
    current = keyring(NEW);
    const outcomes: string[] = [];
    for (let i = 0; i < MAX_ATTEMPTS; i += 1) outcomes.push((await attempt(job)).outcome);
    expect(outcomes).toEqual(['retry', 'retry', 'failed']);
    const d = await delivery(job.ref_id!);
    expect(d).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, next_attempt_at: null });
    expect(d.last_error).toMatch(/signing secret/i);
    expect(d.last_error).not.toContain(signingSecret);
    expect(hits('/orphan')).toBe(0);
  });
});

/**
 * The previous secret's grace period ends to the millisecond: a rotation keeps the old secret signing until
 * `previous_until`, and a delivery at that instant signs with the new secret alone. Business time is a movable clock
 * (it starts at real time, so the receiver's timestamp tolerance holds), moved to the grace's last millisecond and to
 * its end.
 */
describeDialects('the previous signing secret at the end of its grace period (%s)', (dialect) => {
  const GRACE_MS = 60_000;
  const clock = createMovableClock();
  let db: TestDatabase;
  let store: Store;
  let hooks: Webhooks;
  let receiver: http.Server;
  let base = '';
  const signatures: string[] = [];

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    store = await openStore(db.database);
    hooks = webhooksOver(store, { allowHttp: true, clock, secretGraceMs: GRACE_MS });
    receiver = http.createServer((req, res) => {
      signatures.push(String(req.headers['webhook-signature']));
      req.resume().on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => receiver.close(() => r()));
    await store.close();
    await db.drop();
  });

  it('both secrets sign until the last millisecond of the grace period; at its end only the new one', async () => {
    const { subscription } = await hooks.create(
      { url: `${base}/grace`, events: ['setup.failed'] },
      undefined,
      actor,
    );
    const rotatedAt = clock.now().getTime();
    const rotated = await hooks.rotate(subscription.id, undefined, actor);
    const until = Date.parse(rotated.subscription.previousSecretValidUntil ?? '');
    expect(until).toBe(rotatedAt + GRACE_MS);

    clock.set(new Date(until - 1));
    expect(await hooks.test(subscription.id, undefined, actor)).toMatchObject({ status: 'succeeded' });
    expect(signatures.at(-1)?.split(' ')).toHaveLength(2);

    clock.set(new Date(until));
    expect(await hooks.test(subscription.id, undefined, actor)).toMatchObject({ status: 'succeeded' });
    expect(signatures.at(-1)?.split(' ')).toHaveLength(1);
    expect(signatures).toHaveLength(2);
  });
});

/**
 * The scheme is checked again at delivery, apart from the address guard: a row with an `http:` URL (written before
 * the https rule, or by hand) is refused before any connection where plain http is not allowed. The guard here lets
 * loopback through (the receiver is this file's own, on 127.0.0.1), so only the scheme check stands between the row
 * and the receiver; the app never runs with this pair of settings (outside development mode it refuses loopback).
 */
describeDialects('webhook delivery where plain http is not allowed (%s)', (dialect) => {
  let db: TestDatabase;
  let store: Store;
  let hooks: Webhooks;
  let receiver: http.Server;
  let port = 0;
  const requests: string[] = [];

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    store = await openStore(db.database);
    hooks = webhooksOver(store, { allowHttp: false });
    receiver = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(200).end();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    port = (receiver.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => receiver.close(() => r()));
    await store.close();
    await db.drop();
  });

  /** A subscription created with an https URL, its stored URL then set to `url` (as an old row would hold). */
  async function storedWith(url: string) {
    const { subscription } = await hooks.create(
      { url: `https://127.0.0.1:${port}/created`, events: ['setup.failed'] },
      undefined,
      actor,
    );
    await store.db
      .updateTable('webhook_subscriptions')
      .set({ url })
      .where('id', '=', subscription.id)
      .execute();
    return subscription.id;
  }

  it('an http: row is refused before any connection; an https: row is attempted', async () => {
    const plain = await hooks.test(await storedWith(`http://127.0.0.1:${port}/plain`), undefined, actor);
    expect(plain).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'the receiver address is not allowed',
    });
    expect(plain).not.toHaveProperty('lastStatusCode');
    expect(requests).toEqual([]);
    // https is attempted: the receiver speaks plain http, so the TLS handshake fails — a connection error, not a
    // refusal of the scheme.
    const tls = await hooks.test(await storedWith(`https://127.0.0.1:${port}/tls`), undefined, actor);
    expect(tls).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'the receiver could not be reached',
    });
    expect(requests).toEqual([]);
  });
});

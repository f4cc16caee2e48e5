import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { SetupEventSchema, type SetupEvent } from '@kantiv/shared/events';
import { startEmulator, type Emulator } from '@kantiv/emulator';
import { GRAPH, call, tokenFor } from '@kantiv/emulator/test-support/helpers';
import { eventually } from '@kantiv/emulator/test-support/eventually';
import { ADMIN, MANIFEST, startVerifierApp, type VerifierApp } from './support/verification-harness.ts';
import { withUnknownTable } from './support/manifests.ts';

/**
 * What a verification leaves besides the state move (issue 16, `record` in `verifier.ts`): the setup's last error,
 * the events a support watcher streams, the audit entry and the webhook an API client receives — each read
 * exactly, for a verified and for a failed verification. Also the verifier's edges the other suites leave open:
 * a fresh secret refused inside the secret grace, and a failure that is not Microsoft's.
 */
let emulator: Emulator;
let v: VerifierApp;
let base = '';
let receiver: http.Server;
let hookUrl = '';
/** Every webhook delivery the loopback receiver got: its event type and the setup it names. */
const received: { type: string; setupId: string; state: unknown }[] = [];

beforeAll(async () => {
  // No replication delay: every verification here is decided at its first attempt.
  emulator = await startEmulator({ replicationDelayMs: 0 });
  v = await startVerifierApp(emulator, { WEBHOOK_ALLOW_LOOPBACK: 'true' });
  // Listening (loopback only) so the events are read as a watcher reads them, over Server-Sent Events.
  await v.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(v.app.server.address() as AddressInfo).port}`;
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const payload = JSON.parse(body) as { type: string; data: { setupId: string; state?: unknown } };
      received.push({ type: payload.type, setupId: payload.data.setupId, state: payload.data.state });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const sub = await v.app.inject({
    method: 'POST',
    url: '/api/v1/webhooks',
    headers: v.auth,
    payload: { url: hookUrl, events: ['setup.verified', 'setup.failed'] },
  });
  expect(sub.statusCode).toBe(201);
}, 60_000);

afterAll(async () => {
  await v?.close();
  await emulator?.close();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

/**
 * The setup's events as `GET /api/v1/setups/:id/events` streams them (stored ones replayed first), read until
 * `enough` holds; the stream is closed then (or after 20 s, which fails the test).
 */
async function streamedEvents(setupId: string, enough: (events: SetupEvent[]) => boolean) {
  const ac = new AbortController();
  const bound = setTimeout(() => ac.abort(), 20_000);
  const events: SetupEvent[] = [];
  try {
    const res = await fetch(`${base}/api/v1/setups/${setupId}/events`, {
      headers: { ...v.auth, accept: 'text/event-stream' },
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    while (!enough(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const data = buffer
          .slice(0, end)
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n');
        buffer = buffer.slice(end + 2);
        if (data) events.push(SetupEventSchema.parse(JSON.parse(data)));
      }
    }
  } finally {
    clearTimeout(bound);
    ac.abort();
  }
  return events;
}

const finalStateEvent = (state: string) => (events: SetupEvent[]) =>
  events.some((e) => e.type === 'state' && e.data?.state === state);

/** What the verifier wrote: its events and the state events from its first event on, without ids and times. */
function fromVerification(events: SetupEvent[]) {
  const first = events.findIndex((e) => e.type === 'verification');
  return events
    .slice(first)
    .filter((e) => e.type === 'verification' || e.type === 'state')
    .map(({ id: _id, at: _at, setupId: _setupId, ...rest }) => rest);
}

async function auditOf(setupId: string) {
  const rows = await v.app.store.db
    .selectFrom('audit_log')
    .select(['actor_kind', 'actor_id', 'action', 'details'])
    .where('setup_id', '=', setupId)
    .where('action', 'like', 'setup.verif%')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...r, details: JSON.parse(r.details ?? 'null') as unknown }));
}

async function statusOf(setupId: string) {
  const res = await v.app.inject({ method: 'GET', url: `/api/v1/setups/${setupId}/status`, headers: v.auth });
  expect(res.statusCode).toBe(200);
  return res.json<{ state: string; error?: unknown }>();
}

async function lastErrorOf(setupId: string) {
  const row = await v.app.store.db
    .selectFrom('setups')
    .select('last_error')
    .where('id', '=', setupId)
    .executeTakeFirstOrThrow();
  return row.last_error === null ? null : (JSON.parse(row.last_error) as unknown);
}

/** Waits for the receiver to get `type` for the setup, then returns every delivery queued for the setup. */
async function webhooksOf(setupId: string, type: string) {
  await eventually(
    async () => received.filter((r) => r.setupId === setupId),
    (hits) => hits.some((h) => h.type === type),
    20_000,
    100,
  );
  const queued = await v.app.store.db
    .selectFrom('webhook_deliveries')
    .select('event_type')
    .where('setup_id', '=', setupId)
    .execute();
  return {
    received: received.filter((r) => r.setupId === setupId).map(({ type: t, state }) => ({ type: t, state })),
    queued: queued.map((q) => q.event_type),
  };
}

const CONNECTION_VERIFIED = 'Connection verified: WhoAmI and every table read succeeded';
const NO_READ_ACCESS = 'No read access to kantiv_invoice.';

/** The event every verification streams first, verified or failed. */
const FIRST_ATTEMPT_RUNNING = {
  type: 'verification',
  source: 'server',
  step: 'verification',
  status: 'running',
  message: 'Verifying the connection (attempt 1)',
  attempt: 1,
  data: { verificationStatus: 'running' },
};

describe('what a verification records besides the state move', () => {
  it('a verified connection: no last error; the verification and state events; setup.verified in the audit and as a webhook, never setup.failed', async () => {
    const provisioned = await v.provision({ withApplicationUser: true });
    const setup = await v.startSetup();
    await v.handOff(setup, provisioned);
    const done = await v.settled(setup.id, 30_000);
    expect(done.state).toBe('verified');

    expect(await lastErrorOf(setup.id)).toBeNull();
    expect(await statusOf(setup.id)).not.toHaveProperty('error');

    const events = await streamedEvents(setup.id, finalStateEvent('verified'));
    expect(fromVerification(events)).toEqual([
      FIRST_ATTEMPT_RUNNING,
      {
        type: 'verification',
        source: 'server',
        step: 'verification',
        status: 'succeeded',
        message: CONNECTION_VERIFIED,
        attempt: 1,
        data: { verificationStatus: 'succeeded', state: 'verified' },
      },
      { type: 'state', source: 'server', message: 'Connection verified', data: { state: 'verified' } },
    ]);

    expect(await auditOf(setup.id)).toEqual([
      { actor_kind: 'system', actor_id: 'verification', action: 'setup.verified', details: {} },
    ]);

    expect(await webhooksOf(setup.id, 'setup.verified')).toEqual({
      received: [{ type: 'setup.verified', state: 'verified' }],
      queued: ['setup.verified'],
    });
  });

  it('a failed verification: last error with the failing code; the events; setup.verification_failed with the code in the audit; setup.failed as a webhook, never setup.verified', async () => {
    const provisioned = await v.provision({ withApplicationUser: true });
    const setup = await v.startSetup(withUnknownTable(MANIFEST));
    await v.handOff(setup, provisioned);
    const done = await v.settled(setup.id, 30_000);
    expect(done.state).toBe('failed');
    const fix = done.verification?.error?.fix;
    expect(fix).toBe('The security role lacks a privilege from the manifest. Re-run the security-role step.');

    const lastError = { code: 'table_access_denied', message: NO_READ_ACCESS };
    expect(await lastErrorOf(setup.id)).toEqual(lastError);
    expect((await statusOf(setup.id)).error).toEqual(lastError);

    const events = await streamedEvents(setup.id, finalStateEvent('failed'));
    expect(fromVerification(events)).toEqual([
      FIRST_ATTEMPT_RUNNING,
      {
        type: 'verification',
        source: 'server',
        step: 'verification',
        status: 'failed',
        message: NO_READ_ACCESS,
        attempt: 1,
        error: { code: 'table_access_denied', message: NO_READ_ACCESS, fix },
        data: { verificationStatus: 'failed', state: 'failed' },
      },
      { type: 'state', source: 'server', message: 'Verification failed', data: { state: 'failed' } },
    ]);

    expect(await auditOf(setup.id)).toEqual([
      {
        actor_kind: 'system',
        actor_id: 'verification',
        action: 'setup.verification_failed',
        details: { code: 'table_access_denied' },
      },
    ]);

    expect(await webhooksOf(setup.id, 'setup.failed')).toEqual({
      received: [{ type: 'setup.failed', state: 'failed' }],
      queued: ['setup.failed'],
    });
  });
});

describe('the verifier’s waits', () => {
  afterEach(() => emulator.control.clearScenarios());

  it('a failure that is not Microsoft’s (the database refuses the write) is waited out as verification_error, then verifies', async () => {
    const provisioned = await v.provision({ withApplicationUser: true });
    const setup = await v.startSetup();
    // A real fault of the real SQLite file: the write of this setup's successful verification is refused.
    await sql
      .raw(
        `CREATE TRIGGER refuse_verified BEFORE INSERT ON setup_events
         WHEN NEW.setup_id = '${setup.id}' AND NEW.step = 'verification' AND NEW.status = 'succeeded'
         BEGIN SELECT RAISE(ABORT, 'disk refused the write'); END`,
      )
      .execute(v.app.store.db);
    try {
      await v.handOff(setup, provisioned);
      const waiting = await eventually(
        async () => (await v.eventsOf(setup.id)).find((e) => e.status === 'waiting'),
        (e) => e !== undefined,
        20_000,
        100,
      );
      expect(waiting).toMatchObject({
        type: 'verification',
        message: 'Waiting for Microsoft to catch up (verification_error); retrying',
      });
      expect(JSON.parse(waiting!.error!)).toEqual({
        code: 'verification_error',
        message: 'Verification could not complete.',
      });
      // A wait, not an answer: nothing failed and no last error.
      expect(await lastErrorOf(setup.id)).toBeNull();
      expect((await v.eventsOf(setup.id)).some((e) => e.status === 'failed')).toBe(false);
    } finally {
      await sql.raw('DROP TRIGGER IF EXISTS refuse_verified').execute(v.app.store.db);
    }
    const done = await v.settled(setup.id, 30_000);
    expect(done.state).toBe('verified');
    expect(await lastErrorOf(setup.id)).toBeNull();
  });

  it('Dataverse’s 0x8004F510 as Microsoft spells it (upper-case F) is waited on with the fix kept under its lower-case code', async () => {
    const provisioned = await v.provision({ withApplicationUser: true });
    const setup = await v.startSetup();
    emulator.control.setScenario({ name: 'dataverse-application-id-not-found', times: 1 });
    await v.handOff(setup, provisioned);
    const done = await v.settled(setup.id, 30_000);
    expect(done.state).toBe('verified');
    const waits = (await v.eventsOf(setup.id)).filter((e) => e.status === 'waiting');
    expect(waits.map((e) => e.message)).toEqual(['Waiting for Microsoft to catch up (0x8004F510); retrying']);
    expect(JSON.parse(waits[0]!.error!)).toMatchObject({
      code: '0x8004F510',
      fix: 'Dataverse does not know the app yet. This usually resolves within minutes; otherwise check the app is in the same tenant as the environment.',
    });
  });

  it('a fresh secret from the automatic path refused inside the secret grace (AADSTS7000215, not yet replicated) is waited on, then verifies', async () => {
    const graced = await startVerifierApp(emulator, { VERIFICATION_SECRET_GRACE_SECONDS: '60' });
    try {
      const provisioned = await graced.provision({ withApplicationUser: true });
      // A second secret added while Entra takes 3 s to replicate it: the token endpoint refuses it until then.
      const lag = emulator.control.setScenario({ name: 'replication-delay', seconds: 3 });
      const graphToken = await tokenFor(emulator, ADMIN, 'https://graph.microsoft.com/.default');
      const added = await call(emulator, `${GRAPH}/applications(appId='${provisioned.appId}')/addPassword`, {
        method: 'POST',
        token: graphToken,
        body: { passwordCredential: { displayName: 'Kantiv secret' } },
      });
      emulator.control.clearScenario(lag);
      expect(added.status).toBe(200);
      const setup = await graced.startSetup();
      await graced.handOff(setup, { ...provisioned, secretText: String(added.json.secretText) });
      const done = await graced.settled(setup.id, 30_000);
      expect(done.state).toBe('verified');
      const waits = (await graced.eventsOf(setup.id)).filter((e) => e.status === 'waiting');
      expect(waits.length).toBeGreaterThan(0);
      expect(JSON.parse(waits[0]!.error!)).toMatchObject({ code: 'AADSTS7000215' });
    } finally {
      await graced.close();
    }
  });
});

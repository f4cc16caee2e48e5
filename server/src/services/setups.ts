import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { ManifestSchema, type Manifest } from '@kantiv/shared/manifest';
import {
  SetupStateSchema,
  SetupStatusSchema,
  type CreateSetupRequestSchema,
  type Setup,
  type SetupList,
  type SetupState,
  type SetupStatus,
} from '@kantiv/shared/setup';
import type { SetupEvent, StepEventInput } from '@kantiv/shared/events';
import { STEP_IDS, type StepId, type StepStatus, type StepSummary } from '@kantiv/shared/steps';
import type { Verification } from '@kantiv/shared/credentials';
import type { z } from 'zod';
import type { Db, Store } from '../db/database.ts';
import type { SetupsTable, SetupStepsTable, SetupEventsTable } from '../db/schema.ts';
import { HttpError } from '../plugins/error-handler.ts';
import type { Actor, Audit } from './audit.ts';
import type { EventBus } from './event-bus.ts';

export type CreateSetupInput = z.output<typeof CreateSetupRequestSchema>;
export type SetupRow = SetupsTable;
type EventSource = SetupEvent['source'];

/** The setup token is shown once (in the invite link's fragment); only its SHA-256 is stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const nowIso = () => new Date().toISOString();
const parseJson = <T>(s: string | null): T | undefined => (s ? (JSON.parse(s) as T) : undefined);
const opt = <K extends string, V>(key: K, v: V | null | undefined) =>
  (v === null || v === undefined ? {} : { [key]: v }) as Partial<Record<K, V>>;

/** How stale a status may be on an instance that missed the change (see `versions` in createSetups). */
export const STATUS_VERSION_TTL_MS = 1_000;

export type NewEvent = Omit<SetupEvent, 'id' | 'setupId' | 'at'> & { at?: string; seq?: number };

export function sourceOf(actor: Actor): EventSource {
  return actor.kind === 'staff' ? 'staff' : actor.kind === 'setup_token' ? 'wizard' : 'system';
}

export function createSetups(deps: {
  store: Store;
  audit: Audit;
  bus: EventBus;
  publicUrl: string;
  defaultManifest: Manifest;
}) {
  const { store, audit, bus } = deps;
  const db = store.db;
  const statusCache = new Map<string, { json: string; version: number }>();
  /**
   * The status version (ETag) per setup, kept briefly so that polling a setup costs no database read. A write on this
   * instance forgets it as soon as it commits; a write on another instance (PostgreSQL) forgets it when its event
   * arrives through LISTEN/NOTIFY. STATUS_VERSION_TTL_MS bounds what neither path sees (a write without an event, a
   * dropped LISTEN connection, another process writing the SQLite file): the status is never staler than that.
   */
  const versions = new Map<string, { version: number; until: number }>();
  // Bumped by every forget: a read that started before a write committed must not cache what it read.
  let forgets = 0;
  const forgetStatus = (id: string) => {
    forgets += 1;
    versions.delete(id);
  };
  bus.observe((event) => forgetStatus(event.setupId));

  function rowToEvent(r: Omit<SetupEventsTable, 'id'> & { id: number }): SetupEvent {
    return {
      id: Number(r.id),
      setupId: r.setup_id,
      type: r.type as SetupEvent['type'],
      source: r.source as EventSource,
      message: r.message,
      at: r.at,
      ...opt('step', r.step as StepId | null),
      ...opt('status', r.status as StepStatus | null),
      ...opt('attempt', r.attempt),
      ...opt('retryAt', r.retry_at),
      ...opt('error', parseJson<SetupEvent['error']>(r.error)),
      ...opt('data', parseJson<Record<string, unknown>>(r.data)),
    };
  }

  /** Inserts events inside the caller's transaction; publish the returned events after it commits. */
  async function appendEvents(trx: Db, setupId: string, events: NewEvent[]): Promise<SetupEvent[]> {
    const out: SetupEvent[] = [];
    for (const e of events) {
      const row = {
        setup_id: setupId,
        seq: e.seq ?? null,
        type: e.type,
        source: e.source,
        step: e.step ?? null,
        status: e.status ?? null,
        message: e.message,
        at: e.at ?? nowIso(),
        attempt: e.attempt ?? null,
        retry_at: e.retryAt ?? null,
        error: e.error ? JSON.stringify(e.error) : null,
        data: e.data ? JSON.stringify(e.data) : null,
      };
      const inserted = await trx
        .insertInto('setup_events')
        .values(row)
        .onConflict((oc) => oc.columns(['setup_id', 'seq']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) out.push(rowToEvent({ ...row, id: Number(inserted.id) }));
    }
    return out;
  }

  async function publish(events: SetupEvent[]): Promise<void> {
    for (const event of events) {
      await bus.publish(event, async (payload) => {
        await sql`select pg_notify(${bus.channel}, ${payload})`.execute(db);
      });
    }
  }

  async function stepsOf(setupIds: string[]): Promise<Map<string, SetupStepsTable[]>> {
    const map = new Map<string, SetupStepsTable[]>();
    if (setupIds.length === 0) return map;
    const rows = await db.selectFrom('setup_steps').selectAll().where('setup_id', 'in', setupIds).execute();
    for (const r of rows) map.set(r.setup_id, [...(map.get(r.setup_id) ?? []), r]);
    return map;
  }

  function toSteps(rows: SetupStepsTable[]): StepSummary[] {
    const byStep = new Map(rows.map((r) => [r.step, r]));
    return STEP_IDS.map((step): StepSummary => {
      const r = byStep.get(step);
      if (!r) return { step, status: 'pending', attempts: 0 };
      return {
        step,
        status: r.status as StepStatus,
        attempts: r.attempts,
        ...opt('message', r.message),
        ...opt('startedAt', r.started_at),
        ...opt('finishedAt', r.finished_at),
        ...opt('error', parseJson<StepSummary['error']>(r.error)),
      };
    });
  }

  function toSetup(r: SetupRow, steps: SetupStepsTable[]): Setup {
    return {
      id: r.id,
      customerName: r.customer_name,
      state: r.state as SetupState,
      manifest: ManifestSchema.parse(JSON.parse(r.manifest)),
      secretLifetimeMonths: r.secret_lifetime_months,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      inviteExpiresAt: r.invite_expires_at,
      ...opt('expectedTenantDomain', r.expected_tenant_domain),
      ...opt('environmentHint', r.environment_hint),
      ...opt('tenantId', r.tenant_id),
      ...opt('tenantDomain', r.tenant_domain),
      ...opt('adminUsername', r.admin_username),
      ...opt('environmentUrl', r.environment_url),
      ...opt('clientId', r.client_id),
      ...opt('applicationUserId', r.application_user_id),
      ...opt('roleName', r.role_name),
      ...opt('credentialKind', r.credential_kind as 'client_secret' | null),
      ...opt('credentialSource', r.credential_source as 'automatic' | 'manual' | null),
      ...opt('secretExpiresAt', r.secret_expires_at),
      ...opt('verification', parseJson<Verification>(r.verification)),
      steps: toSteps(steps),
    };
  }

  async function getRow(id: string, trx: Db = db): Promise<SetupRow> {
    const row = await trx.selectFrom('setups').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new HttpError(404, 'not_found', 'No setup with this id.');
    return row;
  }

  function inviteUrl(id: string, token: string): string {
    return `${deps.publicUrl}/setup/${id}#token=${token}`;
  }

  /** Sets new columns, bumps the version (the status ETag) and appends the events, all in one transaction. */
  async function change(
    id: string,
    actor: Actor,
    fn: (
      row: SetupRow,
      trx: Db,
    ) => Promise<{
      set?: Partial<SetupRow>;
      events?: NewEvent[];
      audit?: string;
      details?: Record<string, unknown>;
    }>,
  ): Promise<SetupRow> {
    const { row, events } = await db.transaction().execute(async (trx) => {
      const current = await getRow(id, trx);
      const result = await fn(current, trx);
      // Nothing to change (e.g. revoking a revoked setup): keep the version, so ETags stay valid.
      if (!result.set && !result.events?.length) return { row: current, events: [] };
      const set = { ...result.set, updated_at: nowIso(), version: current.version + 1 };
      await trx.updateTable('setups').set(set).where('id', '=', id).execute();
      const stored = await appendEvents(trx, id, result.events ?? []);
      if (result.audit) {
        await audit.record(
          actor,
          { action: result.audit, setupId: id, ...opt('details', result.details) },
          trx,
        );
      }
      return { row: { ...current, ...set }, events: stored };
    });
    forgetStatus(id);
    await publish(events);
    return row;
  }

  async function setStep(
    trx: Db,
    setupId: string,
    step: StepId,
    status: StepStatus,
    patch: { message?: string; error?: StepSummary['error'] | null; attempt?: number; seq?: number } = {},
  ): Promise<void> {
    const prev = await trx
      .selectFrom('setup_steps')
      .selectAll()
      .where('setup_id', '=', setupId)
      .where('step', '=', step)
      .executeTakeFirst();
    if (prev && patch.seq !== undefined && patch.seq <= prev.last_seq) return;
    const at = nowIso();
    const attempts =
      patch.attempt !== undefined
        ? Math.max(patch.attempt, prev?.attempts ?? 0)
        : status === 'running' && prev?.status !== 'running'
          ? (prev?.attempts ?? 0) + 1
          : Math.max(prev?.attempts ?? 0, status === 'pending' ? 0 : 1);
    const finished = status === 'succeeded' || status === 'failed' || status === 'skipped';
    const values = {
      status,
      message: patch.message ?? prev?.message ?? null,
      attempts,
      started_at: prev?.started_at ?? (status === 'pending' ? null : at),
      finished_at: finished ? at : null,
      error:
        patch.error === null || status === 'succeeded'
          ? null
          : patch.error
            ? JSON.stringify(patch.error)
            : (prev?.error ?? null),
      last_seq: Math.max(patch.seq ?? -1, prev?.last_seq ?? -1),
      updated_at: at,
    };
    await trx
      .insertInto('setup_steps')
      .values({ setup_id: setupId, step, ...values })
      .onConflict((oc) => oc.columns(['setup_id', 'step']).doUpdateSet(values))
      .execute();
  }

  /** A server-side step result with no history to merge (one upsert, no read first: the hand-off hot path). */
  async function putStep(
    trx: Db,
    setupId: string,
    step: StepId,
    status: StepStatus,
    message: string,
  ): Promise<void> {
    const at = nowIso();
    const finished = status === 'succeeded' || status === 'failed' || status === 'skipped';
    const values = {
      status,
      message,
      attempts: status === 'pending' ? 0 : 1,
      started_at: status === 'pending' ? null : at,
      finished_at: finished ? at : null,
      error: null,
      updated_at: at,
    };
    await trx
      .insertInto('setup_steps')
      .values({ setup_id: setupId, step, last_seq: -1, ...values })
      .onConflict((oc) => oc.columns(['setup_id', 'step']).doUpdateSet(values))
      .execute();
  }

  return {
    appendEvents,
    putStep,
    publish,
    change,
    setStep,
    getRow,
    toSetup,

    async get(id: string): Promise<Setup> {
      const row = await getRow(id);
      return toSetup(row, (await stepsOf([id])).get(id) ?? []);
    },

    async create(input: CreateSetupInput, actor: Actor): Promise<{ setup: Setup; inviteUrl: string }> {
      const id = randomUUID();
      const token = randomBytes(32).toString('base64url');
      const at = nowIso();
      const row: SetupRow = {
        id,
        customer_name: input.customerName,
        state: 'invited',
        expected_tenant_domain: input.expectedTenantDomain ?? null,
        environment_hint: input.environmentHint ?? null,
        manifest: JSON.stringify(input.manifest ?? deps.defaultManifest),
        secret_lifetime_months: input.secretLifetimeMonths,
        invite_expires_at: new Date(Date.now() + input.inviteExpiresInHours * 3_600_000).toISOString(),
        token_hash: hashToken(token),
        created_at: at,
        updated_at: at,
        created_by: `${actor.kind}:${actor.id}`,
        tenant_id: null,
        tenant_domain: null,
        admin_username: null,
        environment_url: null,
        client_id: null,
        application_user_id: null,
        role_name: null,
        credential_kind: null,
        credential_source: null,
        secret_expires_at: null,
        verification: null,
        last_error: null,
        expiry_notified_at: null,
        version: 1,
      };
      const events = await db.transaction().execute(async (trx) => {
        await trx.insertInto('setups').values(row).execute();
        await audit.record(
          actor,
          { action: 'setup.created', setupId: id, details: { customerName: input.customerName } },
          trx,
        );
        return appendEvents(trx, id, [
          { type: 'state', source: sourceOf(actor), message: 'Invite created', data: { state: 'invited' } },
        ]);
      });
      await publish(events);
      return { setup: toSetup(row, []), inviteUrl: inviteUrl(id, token) };
    },

    async list(q: {
      state?: SetupState | undefined;
      q?: string | undefined;
      limit: number;
      cursor?: string | undefined;
    }): Promise<SetupList> {
      let query = db
        .selectFrom('setups')
        .selectAll()
        .orderBy('updated_at', 'desc')
        .orderBy('id', 'desc')
        .limit(q.limit + 1);
      if (q.state) query = query.where('state', '=', q.state);
      if (q.q) {
        const like = `%${q.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        query = query.where(sql<boolean>`lower(customer_name) like ${like} escape '\\'`);
      }
      if (q.cursor) {
        const [updatedAt, id] = Buffer.from(q.cursor, 'base64url').toString('utf8').split('|');
        if (!updatedAt || !id) throw new HttpError(400, 'bad_request', 'The cursor is not valid.');
        query = query.where((eb) =>
          eb.or([
            eb('updated_at', '<', updatedAt),
            eb.and([eb('updated_at', '=', updatedAt), eb('id', '<', id)]),
          ]),
        );
      }
      const rows = await query.execute();
      const page = rows.slice(0, q.limit);
      const steps = await stepsOf(page.map((r) => r.id));
      const countRows = await db
        .selectFrom('setups')
        .select(['state', (eb) => eb.fn.countAll().as('n')])
        .groupBy('state')
        .execute();
      // Every state is present (zero when none), so the console can show all counters.
      const counts = Object.fromEntries(SetupStateSchema.options.map((s) => [s, 0])) as SetupList['counts'];
      for (const c of countRows) counts[c.state as SetupState] = Number(c.n);
      const last = page.at(-1);
      return {
        items: page.map((r) => toSetup(r, steps.get(r.id) ?? [])),
        counts,
        ...(rows.length > q.limit && last
          ? { nextCursor: Buffer.from(`${last.updated_at}|${last.id}`).toString('base64url') }
          : {}),
      };
    },

    /**
     * Compact status and its ETag (the row version: an unchanged setup answers 304 without building a body). At most
     * STATUS_VERSION_TTL_MS old (see `versions`); `fresh` reads the database (a long-poll woken by an event).
     */
    async statusVersion(id: string, options: { fresh?: boolean } = {}): Promise<number> {
      const now = Date.now();
      const hit = options.fresh ? undefined : versions.get(id);
      if (hit && hit.until > now) return hit.version;
      const before = forgets;
      const row = await db.selectFrom('setups').select('version').where('id', '=', id).executeTakeFirst();
      if (!row) throw new HttpError(404, 'not_found', 'No setup with this id.');
      if (forgets === before) {
        if (versions.size >= 10_000) versions.clear();
        versions.set(id, { version: row.version, until: now + STATUS_VERSION_TTL_MS });
      }
      return row.version;
    },

    /**
     * The status body as JSON, cached per setup and row version: polling an unchanged setup costs no serialization
     * (and, with the version cached, no read). The version changes with every write, so a body never outlives it.
     */
    /** The status body from the caches alone (no I/O), when both the version and its body are cached; else undefined. */
    cachedStatusJson(id: string): { json: string; version: number } | undefined {
      const v = versions.get(id);
      if (!v || v.until <= Date.now()) return undefined;
      const hit = statusCache.get(id);
      return hit && hit.version === v.version ? hit : undefined;
    },

    async statusJson(id: string, knownVersion?: number): Promise<{ json: string; version: number }> {
      const version = knownVersion ?? (await this.statusVersion(id));
      const hit = statusCache.get(id);
      if (hit && hit.version === version) return hit;
      const { status, version: v } = await this.status(id);
      const entry = { json: JSON.stringify(SetupStatusSchema.parse(status)), version: v };
      if (statusCache.size > 10_000) statusCache.clear();
      statusCache.set(id, entry);
      return entry;
    },

    async status(id: string): Promise<{ status: SetupStatus; version: number }> {
      const row = await getRow(id);
      const steps = toSteps((await stepsOf([id])).get(id) ?? []);
      const verification = parseJson<Verification>(row.verification);
      const lastError = parseJson<{ code: string; message: string }>(row.last_error);
      return {
        version: row.version,
        status: {
          id,
          state: row.state as SetupState,
          updatedAt: row.updated_at,
          steps: steps.map((s) => ({ step: s.step, status: s.status })),
          ...(verification
            ? { verification: { status: verification.status, ...opt('checkedAt', verification.checkedAt) } }
            : {}),
          ...opt('error', lastError),
        },
      };
    },

    async eventsSince(setupId: string, afterId: number): Promise<SetupEvent[]> {
      const rows = await db
        .selectFrom('setup_events')
        .selectAll()
        .where('setup_id', '=', setupId)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(5000)
        .execute();
      return rows.map((r) => rowToEvent({ ...r, id: Number(r.id) }));
    },

    async eventById(id: number): Promise<SetupEvent | undefined> {
      const r = await db.selectFrom('setup_events').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? rowToEvent({ ...r, id: Number(r.id) }) : undefined;
    },

    async revoke(id: string, actor: Actor): Promise<Setup> {
      const row = await change(id, actor, async (current) => {
        if (current.state === 'revoked') return {};
        return {
          set: { state: 'revoked' },
          events: [
            { type: 'state', source: sourceOf(actor), message: 'Setup revoked', data: { state: 'revoked' } },
          ],
          audit: 'setup.revoked',
        };
      });
      return toSetup(row, (await stepsOf([id])).get(id) ?? []);
    },

    async extend(id: string, hours: number, actor: Actor): Promise<Setup> {
      const row = await change(id, actor, async (current) => {
        if (current.state === 'revoked')
          throw new HttpError(409, 'setup_revoked', 'A revoked setup cannot be extended.');
        const base = Math.max(Date.now(), Date.parse(current.invite_expires_at));
        const expires = new Date(base + hours * 3_600_000).toISOString();
        const state =
          current.state === 'expired' ? (current.tenant_id ? 'in_progress' : 'invited') : current.state;
        return {
          set: { invite_expires_at: expires, state },
          events: [
            {
              type: 'action',
              source: sourceOf(actor),
              message: `Invite extended until ${expires}`,
              data: { state, inviteExpiresAt: expires },
            },
          ],
          audit: 'setup.extended',
          details: { hours, inviteExpiresAt: expires },
        };
      });
      return toSetup(row, (await stepsOf([id])).get(id) ?? []);
    },

    /** A fresh setup token: the previous invite link stops working at once. */
    async newInvite(id: string, actor: Actor): Promise<{ setup: Setup; inviteUrl: string }> {
      const token = randomBytes(32).toString('base64url');
      const row = await change(id, actor, async (current) => {
        if (current.state === 'revoked') throw new HttpError(409, 'setup_revoked', 'This setup was revoked.');
        return {
          set: { token_hash: hashToken(token) },
          events: [
            {
              type: 'action',
              source: sourceOf(actor),
              message: 'A new invite link was issued; the old one no longer works',
            },
          ],
          audit: 'setup.invite_reissued',
        };
      });
      return { setup: toSetup(row, (await stepsOf([id])).get(id) ?? []), inviteUrl: inviteUrl(id, token) };
    },

    async findByToken(token: string): Promise<SetupRow | undefined> {
      return db
        .selectFrom('setups')
        .selectAll()
        .where('token_hash', '=', hashToken(token))
        .executeTakeFirst();
    },

    async bindIdentity(
      setup: SetupRow,
      identity: {
        tenantId: string;
        username: string;
        name?: string | undefined;
        domain?: string | undefined;
      },
      actor: Actor,
    ): Promise<void> {
      await change(setup.id, actor, async (current) => ({
        set: {
          tenant_id: identity.tenantId,
          tenant_domain: current.tenant_domain ?? identity.domain ?? null,
          admin_username: identity.username,
          state: current.state === 'invited' ? 'in_progress' : current.state,
        },
        events: [
          {
            type: 'action',
            source: 'wizard',
            message: `Signed in as ${identity.username}`,
            data: {
              tenantId: identity.tenantId,
              state: current.state === 'invited' ? 'in_progress' : current.state,
            },
          },
        ],
        audit: current.tenant_id ? 'setup.identity_confirmed' : 'setup.identity_bound',
        details: { tenantId: identity.tenantId, username: identity.username },
      }));
    },

    async postStepEvents(setup: SetupRow, input: StepEventInput[], actor: Actor) {
      for (const e of input) {
        if (setup.tenant_id && e.data?.tenantId && e.data.tenantId !== setup.tenant_id) {
          throw new HttpError(
            403,
            'tenant_mismatch',
            'An event reports a tenant other than the one this setup is bound to.',
          );
        }
      }
      const sorted = [...input].sort((a, b) => a.seq - b.seq);
      let accepted = 0;
      const { events } = await db.transaction().execute(async (trx) => {
        const current = await getRow(setup.id, trx);
        const stored: SetupEvent[] = [];
        const fields: Partial<SetupRow> = {};
        for (const e of sorted) {
          const [ev] = await appendEvents(trx, setup.id, [
            {
              seq: e.seq,
              type: 'step',
              source: 'wizard',
              step: e.step,
              status: e.status,
              message: e.message,
              at: e.at,
              ...opt('attempt', e.attempt),
              ...opt('retryAt', e.retryAt),
              ...opt('error', e.error),
              ...opt('data', e.data),
            },
          ]);
          if (!ev) continue;
          accepted += 1;
          stored.push(ev);
          await setStep(trx, setup.id, e.step, e.status, {
            message: e.message,
            seq: e.seq,
            ...opt('attempt', e.attempt),
            ...opt('error', e.error),
          });
          const d = e.data;
          if (d?.environmentUrl) fields.environment_url = d.environmentUrl;
          if (d?.clientId) fields.client_id = d.clientId;
          if (d?.applicationUserId) fields.application_user_id = d.applicationUserId;
          if (d?.roleName) fields.role_name = d.roleName;
          if (d?.secretExpiresAt) fields.secret_expires_at = d.secretExpiresAt;
        }
        if (accepted > 0) {
          const state = current.state === 'invited' ? 'in_progress' : current.state;
          await trx
            .updateTable('setups')
            .set({ ...fields, state, updated_at: nowIso(), version: current.version + 1 })
            .where('id', '=', setup.id)
            .execute();
          if (state !== current.state) {
            stored.push(
              ...(await appendEvents(trx, setup.id, [
                { type: 'state', source: 'wizard', message: 'Setup in progress', data: { state } },
              ])),
            );
          }
        }
        return { events: stored };
      });
      if (accepted > 0) forgetStatus(setup.id);
      await publish(events);
      await audit.record(actor, {
        action: 'setup.events_posted',
        setupId: setup.id,
        details: { accepted, total: input.length },
      });
      const max = await db
        .selectFrom('setup_events')
        .select((eb) => eb.fn.max('seq').as('m'))
        .where('setup_id', '=', setup.id)
        .executeTakeFirst();
      return { accepted, duplicates: input.length - accepted, lastSeq: max?.m == null ? -1 : Number(max.m) };
    },

    /** Invites past their expiry that never finished become `expired` (a sweep, so every instance agrees). */
    async expireOverdue(): Promise<number> {
      const overdue = await db
        .selectFrom('setups')
        .select('id')
        .where('state', 'in', ['invited', 'in_progress'])
        .where('invite_expires_at', '<', nowIso())
        .limit(100)
        .execute();
      for (const { id } of overdue) {
        await change(id, { kind: 'system', id: 'expiry' }, async (current) =>
          (current.state === 'invited' || current.state === 'in_progress') &&
          current.invite_expires_at < nowIso()
            ? {
                set: { state: 'expired' },
                events: [
                  {
                    type: 'state',
                    source: 'system',
                    message: 'The invite expired',
                    data: { state: 'expired' },
                  },
                ],
                audit: 'setup.expired',
              }
            : {},
        );
      }
      return overdue.length;
    },
  };
}
export type Setups = ReturnType<typeof createSetups>;

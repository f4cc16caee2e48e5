import { sql } from 'kysely';
import type { SetupEvent } from '@kantiv/shared/events';
import type { SetupState } from '@kantiv/shared/setup';
import type { StepId, StepStatus } from '@kantiv/shared/steps';
import type { Db } from '../../db/database.ts';
import type { SetupEventsTable } from '../../db/schema.ts';
import type { Actor } from '../audit.ts';
import type { EventBus } from '../event-bus.ts';
import { nowIso, opt, parseJson } from './repository.ts';

type EventSource = SetupEvent['source'];
export type NewEvent = Omit<SetupEvent, 'id' | 'setupId' | 'at'> & { at?: string; seq?: number };

/** The event that announces a new state. */
export const stateEvent = (source: EventSource, message: string, state: SetupState): NewEvent => ({
  type: 'state',
  source,
  message,
  data: { state },
});

export function sourceOf(actor: Actor): EventSource {
  return actor.kind === 'staff' ? 'staff' : actor.kind === 'setup_token' ? 'wizard' : 'system';
}

function rowToEvent(r: Omit<SetupEventsTable, 'id'> & { id: number | bigint }): SetupEvent {
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

/** One stored event by id (the event bus reads back an event too big to travel in a NOTIFY). */
export async function readEvent(db: Db, id: number): Promise<SetupEvent | undefined> {
  const r = await db.selectFrom('setup_events').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? rowToEvent(r) : undefined;
}

/** The setup's event log: appended inside a write's transaction, published on the bus once it commits. */
export function createEventLog(deps: { db: Db; bus: EventBus }) {
  const { db, bus } = deps;
  return {
    /** Inserts events inside the caller's transaction; publish the returned events after it commits. */
    async append(trx: Db, setupId: string, events: NewEvent[]): Promise<SetupEvent[]> {
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
        // A wizard event is unique by (setup, seq): a retried post stores it once.
        const inserted = await trx
          .insertInto('setup_events')
          .values(row)
          .onConflict((oc) => oc.columns(['setup_id', 'seq']).doNothing())
          .returning('id')
          .executeTakeFirst();
        if (inserted) out.push(rowToEvent({ ...row, id: inserted.id }));
      }
      return out;
    },

    async publish(events: SetupEvent[]): Promise<void> {
      for (const event of events) {
        await bus.publish(event, async (payload) => {
          await sql`select pg_notify(${bus.channel}, ${payload})`.execute(db);
        });
      }
    },

    since: async (setupId: string, afterId: number): Promise<SetupEvent[]> => {
      const rows = await db
        .selectFrom('setup_events')
        .selectAll()
        .where('setup_id', '=', setupId)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(5000)
        .execute();
      return rows.map(rowToEvent);
    },

    byId: (id: number) => readEvent(db, id),

    /** How many wizard events (those with a `seq`) the setup holds, read inside the caller's transaction. */
    async countWizardEvents(trx: Db, setupId: string): Promise<number> {
      const row = await trx
        .selectFrom('setup_events')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('setup_id', '=', setupId)
        .where('seq', 'is not', null)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    /** The highest wizard sequence number stored for the setup (-1 when none). */
    async lastSeq(setupId: string): Promise<number> {
      const max = await db
        .selectFrom('setup_events')
        .select((eb) => eb.fn.max('seq').as('m'))
        .where('setup_id', '=', setupId)
        .executeTakeFirst();
      return max?.m == null ? -1 : Number(max.m);
    },
  };
}
export type EventLog = ReturnType<typeof createEventLog>;

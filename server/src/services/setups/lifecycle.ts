import { sql } from 'kysely';
import { SetupStateSchema, type SetupState } from '@kantiv/shared/setup';
import type { SetupEvent } from '@kantiv/shared/events';
import type { Db } from '../../db/database.ts';
import { HttpError } from '../../lib/http-error.ts';
import type { Actor, Audit } from '../audit.ts';
import type { EventLog, NewEvent } from './events.ts';
import { nowIso, opt, type SetupRepository, type SetupRow } from './repository.ts';
import { RETIRED_PREFIX } from './wizard-gate.ts';

/** What moves a setup from one state to another. */
export type Trigger =
  | 'sign_in'
  | 'report_steps'
  | 'hand_off'
  | 'reverify'
  | 'verified'
  | 'verification_failed'
  | 'expire'
  | 'extend'
  | 'revoke'
  | 'disconnect';
/** Who may pull a trigger: Kantiv staff, an API client, the customer's wizard, the verification job, a sweep. */
export type Role = 'staff' | 'api' | 'wizard' | 'verifier' | 'system';
export type Transition = {
  readonly on: Trigger;
  readonly by: readonly Role[];
  readonly from: readonly SetupState[];
  readonly to: SetupState;
};

export const SETUP_STATES = SetupStateSchema.options;
export const INITIAL_STATE: SetupState = 'invited';
/** States nothing leaves (but a `revoked` setup may still be disconnected, decision 018). `expired`, `failed` and `verified` are
 * final only until staff extend or re-verify. */
export const TERMINAL_STATES: readonly SetupState[] = ['revoked', 'disconnected'];
const LIVE = SETUP_STATES.filter((s) => !TERMINAL_STATES.includes(s));

/**
 * Every state change a setup can make. A write that keeps the state is not a transition (a hand-off over an earlier
 * one stays `awaiting_verification`); anything else not listed here is refused.
 */
export const TRANSITIONS: readonly Transition[] = [
  { on: 'sign_in', by: ['wizard'], from: ['invited'], to: 'in_progress' },
  { on: 'report_steps', by: ['wizard'], from: ['invited'], to: 'in_progress' },
  {
    on: 'hand_off',
    by: ['wizard'],
    from: ['in_progress', 'failed'],
    to: 'awaiting_verification',
  },
  // A stored credential is required (checked by the caller), so in practice from a handed-off setup.
  {
    on: 'reverify',
    by: ['staff', 'api'],
    from: LIVE.filter((s) => s !== 'awaiting_verification'),
    to: 'awaiting_verification',
  },
  { on: 'verified', by: ['verifier'], from: ['awaiting_verification'], to: 'verified' },
  { on: 'verification_failed', by: ['verifier'], from: ['awaiting_verification'], to: 'failed' },
  { on: 'expire', by: ['system'], from: ['invited', 'in_progress'], to: 'expired' },
  // An extended invite resumes where it stopped: before or after the admin signed in.
  { on: 'extend', by: ['staff', 'api'], from: ['expired'], to: 'invited' },
  { on: 'extend', by: ['staff', 'api'], from: ['expired'], to: 'in_progress' },
  { on: 'revoke', by: ['staff', 'api'], from: LIVE, to: 'revoked' },
  // Decision 018: the credential is shredded in the same transaction. An invited setup has nothing to tear down.
  // The customer's admin disconnects through a disconnect link (the wizard); a revoked setup may still hold a
  // credential handed off before the revoke, so it may still be disconnected (the one way out of `revoked`).
  {
    on: 'disconnect',
    by: ['staff', 'api'],
    from: [...LIVE.filter((s) => s !== 'invited'), 'revoked'],
    to: 'disconnected',
  },
  { on: 'disconnect', by: ['wizard'], from: LIVE.filter((s) => s !== 'invited'), to: 'disconnected' },
];

/**
 * What a `disconnected` setup still takes (decision 018): its disconnect link (issued, spent) for the customer's
 * side, nothing else. Any other write on a terminal setup is refused.
 */
const DISCONNECTED_WRITABLE: readonly string[] = ['token_hash', 'link_purpose', 'link_expires_at'];

/** May a write that keeps or changes the state of a terminal setup happen? Only the two exceptions above. */
function terminalWriteAllowed(from: SetupState, set: ColumnUpdate, move: Move | undefined): boolean {
  if (from === 'revoked') return move?.to === 'disconnected';
  if (from !== 'disconnected' || (move !== undefined && move.to !== from)) return false;
  return Object.keys(set).every((k) => DISCONNECTED_WRITABLE.includes(k));
}

export function roleOf(actor: Actor): Role {
  switch (actor.kind) {
    case 'staff':
      return 'staff';
    case 'api_key':
      return 'api';
    case 'setup_token':
      return 'wizard';
    case 'system':
      return actor.id === 'verification' ? 'verifier' : 'system';
  }
}

export function findTransition(
  from: SetupState,
  to: SetupState,
  on: Trigger,
  by: Role,
): Transition | undefined {
  return TRANSITIONS.find((t) => t.on === on && t.to === to && t.from.includes(from) && t.by.includes(by));
}

/**
 * A state change that did not happen: `illegal` (the table has no such transition) or `lost_race` (another writer
 * changed the state after it was read). An API caller sees it as a 409 in the shared error shape.
 */
export class StateConflict extends HttpError {
  constructor(
    readonly reason: 'illegal' | 'lost_race',
    readonly from: SetupState,
    readonly to: SetupState,
  ) {
    super(
      409,
      from === 'revoked' ? 'setup_revoked' : from === 'disconnected' ? 'setup_disconnected' : 'conflict',
      reason === 'lost_race'
        ? 'The setup changed while this request was handled; reload it and try again.'
        : TERMINAL_STATES.includes(from)
          ? `This setup is ${from}; nothing about it can change any more.`
          : `A setup that is ${from} cannot become ${to}.`,
    );
    this.name = 'StateConflict';
  }
}

/** Columns a change may set; `state` only through a transition, `version` and `updated_at` by every write. */
export type ColumnUpdate = Partial<
  Omit<SetupRow, 'id' | 'state' | 'version' | 'updated_at' | 'created_at' | 'created_by'>
>;
export type Move = { to: SetupState; on: Trigger };
export type Change = {
  move?: Move;
  set?: ColumnUpdate;
  /** Appended after the row is written. */
  events?: NewEvent[];
  /** Already appended in this transaction by the change itself; published with the others. */
  stored?: SetupEvent[];
  audit?: string;
  details?: Record<string, unknown>;
};
export type TransitionResult = { ok: true } | { ok: false; reason: 'illegal' | 'lost_race' };

const retireTokenSql = sql<string>`case when token_hash like ${`${RETIRED_PREFIX}%`} then token_hash else ${RETIRED_PREFIX} || token_hash end`;

/** A lost race is retried on a fresh read this often before it reaches the caller. */
const MAX_ATTEMPTS = 3;

/**
 * The only writer of `setups.state`. Every write bumps the row version (the status ETag); a state change is a
 * compare-and-set on the state it was decided on, so of two writers that read the same state only one moves it.
 */
export function createLifecycle(deps: {
  db: Db;
  audit: Audit;
  repo: SetupRepository;
  events: EventLog;
  /** Called after every committed write (the status cache forgets the setup). */
  committed: (setupId: string) => void;
}) {
  const { db, audit, repo, events } = deps;

  /**
   * Writes the row; false when the state was no longer `read.state` (the compare-and-set lost). Every write is
   * decided on a state, so every write is a compare-and-set on it, also one that keeps the state: a verification
   * result or a hand-off decided on a live setup must not land on a setup revoked meanwhile. A terminal setup
   * takes no write at all.
   */
  async function write(
    trx: Db,
    read: Pick<SetupRow, 'id' | 'state'>,
    set: ColumnUpdate,
    move: Move | undefined,
    actor: Actor,
  ): Promise<boolean> {
    const from = read.state as SetupState;
    const moves = move !== undefined && move.to !== from;
    if (TERMINAL_STATES.includes(from) && !terminalWriteAllowed(from, set, move))
      throw new StateConflict('illegal', from, move?.to ?? from);
    if (moves && !findTransition(from, move.to, move.on, roleOf(actor)))
      throw new StateConflict('illegal', from, move.to);
    const update = trx
      .updateTable('setups')
      .set((eb) => ({
        ...set,
        ...(moves ? { state: move.to } : {}),
        // Verified: the invite link stops working, whichever way the setup got there (see wizard-gate.ts).
        ...(moves && move.to === 'verified' ? { token_hash: retireTokenSql } : {}),
        updated_at: nowIso(),
        version: eb('version', '+', 1),
      }))
      .where('id', '=', read.id)
      .where('state', '=', from);
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async function changeOnce(
    id: string,
    actor: Actor,
    fn: (row: SetupRow, trx: Db) => Promise<Change>,
  ): Promise<SetupRow> {
    const { row, published } = await db.transaction().execute(async (trx) => {
      const current = await repo.getRow(id, trx);
      const c = await fn(current, trx);
      const moves = c.move !== undefined && c.move.to !== current.state;
      // Nothing to change (e.g. revoking a revoked setup): keep the version, so ETags stay valid.
      if (!c.set && !moves && !c.events?.length && !c.stored?.length) return { row: current, published: [] };
      if (!(await write(trx, current, c.set ?? {}, c.move, actor)))
        throw new StateConflict(
          'lost_race',
          current.state as SetupState,
          c.move?.to ?? (current.state as SetupState),
        );
      const stored = [...(c.stored ?? []), ...(await events.append(trx, id, c.events ?? []))];
      if (c.audit) {
        await audit.record(actor, { action: c.audit, setupId: id, ...opt('details', c.details) }, trx);
      }
      const next: SetupRow = {
        ...current,
        ...c.set,
        ...(moves && c.move ? { state: c.move.to } : {}),
        updated_at: nowIso(),
        version: current.version + 1,
      };
      return { row: next, published: stored };
    });
    deps.committed(id);
    await events.publish(published);
    return row;
  }

  /**
   * Reads the row, lets `fn` decide the change (inside the transaction, so its own writes commit with it) and
   * writes it. A lost compare-and-set rolls back and runs `fn` again on the fresh row, which decides anew (a
   * revoked setup, say, no longer takes a verification result); a refused transition throws StateConflict.
   */
  async function change(
    id: string,
    actor: Actor,
    fn: (row: SetupRow, trx: Db) => Promise<Change>,
  ): Promise<SetupRow> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await changeOnce(id, actor, fn);
      } catch (err) {
        if (!(err instanceof StateConflict && err.reason === 'lost_race') || attempt >= MAX_ATTEMPTS)
          throw err;
      }
    }
  }

  return {
    change,

    /** One transition decided on a state read earlier (`expected`): the compare-and-set answers who won. */
    async transition(
      id: string,
      expected: SetupState,
      move: Move,
      actor: Actor,
      extra: { set?: ColumnUpdate; events?: NewEvent[] } = {},
    ): Promise<TransitionResult> {
      try {
        const stored = await db.transaction().execute(async (trx) => {
          if (!(await write(trx, { id, state: expected }, extra.set ?? {}, move, actor)))
            throw new StateConflict('lost_race', expected, move.to);
          return events.append(trx, id, extra.events ?? []);
        });
        deps.committed(id);
        await events.publish(stored);
        return { ok: true };
      } catch (err) {
        if (err instanceof StateConflict) return { ok: false, reason: err.reason };
        throw err;
      }
    },

    /** Stores a new setup in the initial state, with its first event and audit record. */
    async open(
      row: Omit<SetupRow, 'state'>,
      actor: Actor,
      entry: { audit: string; details?: Record<string, unknown>; events: NewEvent[] },
    ): Promise<SetupRow> {
      const full: SetupRow = { ...row, state: INITIAL_STATE };
      const stored = await db.transaction().execute(async (trx) => {
        await trx.insertInto('setups').values(full).execute();
        await audit.record(
          actor,
          { action: entry.audit, setupId: row.id, ...opt('details', entry.details) },
          trx,
        );
        return events.append(trx, row.id, entry.events);
      });
      await events.publish(stored);
      return full;
    },
  };
}
export type Lifecycle = ReturnType<typeof createLifecycle>;

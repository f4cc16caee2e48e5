import type { AttentionKind, Moment, ShownBlocker, WizardMomentRequest } from '@kantiv/shared/attention';
import type { SetupState } from '@kantiv/shared/setup';
import type { Db } from '../../db/database.ts';
import type { Actor } from '../audit.ts';
import type { NewEvent } from './events.ts';
import { StateConflict, type ColumnUpdate, type Lifecycle } from './lifecycle.ts';
import { ATTENTION_STATES, nowIso, type SetupRow } from './repository.ts';
import { WIZARD_WRITE_STATES } from './wizard-gate.ts';

/** What support is told (through the webhooks) when an admin gets stuck. */
export type AttentionNotice = {
  type: 'setup.blocked' | 'setup.stalled';
  setupId: string;
  message: string;
};
export type Notify = (notice: AttentionNotice) => Promise<void>;

const NOTICE: Record<AttentionKind, AttentionNotice['type']> = {
  blocked: 'setup.blocked',
  wrong_tenant: 'setup.blocked',
  stopped: 'setup.stalled',
  idle: 'setup.stalled',
  rotation_failing: 'setup.blocked',
};

const AFTER: Record<AttentionKind, string> = {
  blocked: 'a blocker',
  wrong_tenant: 'a sign-in to the wrong tenant',
  stopped: 'stopping',
  idle: 'being idle',
  rotation_failing: 'failed certificate rotations',
};

const IDLE: Actor = { kind: 'system', id: 'idle' };
const ROTATION: Actor = { kind: 'system', id: 'rotation' };

export const momentEvent = (
  source: NewEvent['source'],
  moment: Moment,
  message: string,
  data: Record<string, unknown> = {},
): NewEvent => ({ type: 'action', source, message, data: { moment, ...data } });

/** "12 minutes", "40 seconds": idle times as support reads them. */
export function idleText(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.round(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

const CLEARED: ColumnUpdate = { attention: null, attention_since: null, attention_message: null };

/**
 * The part of a wizard write that shows the admin is active: it resets the idle clock and, when the setup needed
 * attention, clears it with a "resumed" moment. `progress` is false for a write that is no sign of getting on (a
 * failed step, a step put back to pending by Cancel).
 */
export function activity(
  current: SetupRow,
  progress: boolean,
  at = nowIso(),
): { set: ColumnUpdate; events: NewEvent[] } {
  const set: ColumnUpdate = { admin_seen_at: at };
  if (!progress || !current.attention) return { set, events: [] };
  return {
    set: { ...set, ...CLEARED },
    events: [
      momentEvent('wizard', 'resumed', `Resumed after ${AFTER[current.attention as AttentionKind]}`, {
        after: current.attention,
      }),
    ],
  };
}

function blockedMessage(blockers: ShownBlocker[]): string {
  return blockers.map((b) => b.message).join(' ');
}

/**
 * The moments of the admin's journey that are not step events: opening the invite, being blocked, signing in to the
 * wrong tenant, stopping, going idle. A moment that leaves the admin stuck sets the setup's `attention` (the list's
 * "needs attention") and tells support through `notify` (webhooks), once per change.
 */
export function createMoments(deps: { db: Db; lifecycle: Lifecycle; idleMs: number }) {
  const { db, lifecycle } = deps;
  let notify: Notify = async () => {};

  /** Records a stuck moment; true when it was new (the same blocker shown again on a reload is not). */
  async function flag(
    setupId: string,
    actor: Actor,
    kind: AttentionKind,
    message: string,
    event: NewEvent,
    allowed: (current: SetupRow) => boolean,
  ): Promise<boolean> {
    let recorded = false;
    await lifecycle.change(setupId, actor, async (current, trx) => {
      recorded = false;
      if (!allowed(current)) return {};
      if (current.attention === kind && current.attention_message === message) return {};
      const at = nowIso();
      const open = ATTENTION_STATES.includes(current.state as SetupState);
      if (kind === 'idle') {
        // Every instance sweeps: the first to flag the setup wins, the others find it flagged.
        const won = await trx
          .updateTable('setups')
          .set({ attention: kind })
          .where('id', '=', setupId)
          .where('attention', 'is', null)
          .executeTakeFirst();
        if (Number(won.numUpdatedRows) !== 1) return {};
      }
      recorded = true;
      return {
        set: {
          ...(open ? { attention: kind, attention_since: at, attention_message: message } : {}),
          ...(kind === 'idle' ? {} : { admin_seen_at: at }),
        },
        events: [event],
        audit: `setup.${kind}`,
        details: { message },
      };
    });
    if (recorded) await notify({ type: NOTICE[kind], setupId, message });
    return recorded;
  }

  /** May the wizard holding the token of `presented` still write to the setup as it is now? */
  const wizardMayWrite = (presented: SetupRow) => (current: SetupRow) =>
    current.token_hash === presented.token_hash &&
    WIZARD_WRITE_STATES.events.includes(current.state as SetupState);

  return {
    /** Webhooks are built after the setups: they subscribe here. */
    notifyWith(fn: Notify): void {
      notify = fn;
    },

    /** The first time the invite link is opened (the wizard reads its setup). */
    async opened(presented: SetupRow, actor: Actor): Promise<void> {
      if (presented.opened_at) return;
      const may = wizardMayWrite(presented);
      await lifecycle.change(presented.id, actor, async (current) => {
        if (current.opened_at || !may(current)) return {};
        const at = nowIso();
        return {
          set: { opened_at: at, admin_seen_at: at },
          events: [momentEvent('wizard', 'invite_opened', 'The admin opened the invite link')],
          audit: 'setup.invite_opened',
        };
      });
    },

    /** What the wizard reports: a blocker it showed, or the admin pressing Cancel. */
    async record(presented: SetupRow, input: WizardMomentRequest, actor: Actor): Promise<boolean> {
      const may = wizardMayWrite(presented);
      if (input.moment === 'stopped') {
        const message = 'The admin stopped the run (Cancel); what was created stays.';
        return flag(presented.id, actor, 'stopped', message, momentEvent('wizard', 'stopped', message), may);
      }
      const message = blockedMessage(input.blockers);
      return flag(
        presented.id,
        actor,
        'blocked',
        message,
        momentEvent('wizard', 'blocked', `Blocked: ${message}`, { blockers: input.blockers }),
        may,
      );
    },

    /** The admin signed in with an account Kantiv refuses for this setup (another tenant or domain). */
    async wrongTenant(
      presented: SetupRow,
      who: { username: string; tenantId: string; reason: string },
      actor: Actor,
    ): Promise<void> {
      const message = `Signed in as ${who.username} (tenant ${who.tenantId}): ${who.reason}`;
      await flag(
        presented.id,
        actor,
        'wrong_tenant',
        message,
        momentEvent('wizard', 'wrong_tenant', message, { tenantId: who.tenantId, username: who.username }),
        wizardMayWrite(presented),
      );
    },

    /**
     * A verified setup's certificate keeps failing to rotate (services/credentials/rotation.ts): support is told
     * the exact reason once per new reason; the old key still works and the rotation keeps retrying.
     */
    async rotationFailing(setupId: string, message: string): Promise<void> {
      const event = momentEvent('system', 'rotation_failing', message);
      let recorded = false;
      await lifecycle.change(setupId, ROTATION, async (current) => {
        recorded = false;
        if (current.state !== 'verified' || current.attention_message === message) return {};
        recorded = true;
        return {
          set: { attention: 'rotation_failing', attention_since: nowIso(), attention_message: message },
          events: [event],
          audit: 'setup.rotation_failing',
          details: { message },
        };
      });
      if (recorded) await notify({ type: NOTICE.rotation_failing, setupId, message });
    },

    /** The rotation went through after failing: the attention it raised is cleared. */
    async rotationRecovered(setupId: string): Promise<void> {
      await lifecycle.change(setupId, ROTATION, async (current) =>
        current.attention !== 'rotation_failing'
          ? {}
          : {
              set: CLEARED,
              events: [momentEvent('system', 'resumed', 'Certificate rotation succeeded after failing')],
              audit: 'setup.rotation_recovered',
            },
      );
    },

    /** Flags setups whose admin has done nothing for the idle time (a periodic job on every instance). */
    async sweepIdle(): Promise<number> {
      const cutoff = new Date(Date.now() - deps.idleMs).toISOString();
      const rows = await db
        .selectFrom('setups')
        .select(['id', 'admin_seen_at'])
        .where('state', 'in', [...ATTENTION_STATES])
        .where('attention', 'is', null)
        .where('admin_seen_at', '<', cutoff)
        .limit(100)
        .execute();
      let flagged = 0;
      for (const row of rows) {
        const idleFor = idleText(Date.now() - Date.parse(row.admin_seen_at ?? ''));
        const message = `No activity from the admin for ${idleFor}.`;
        const stillIdle = (current: SetupRow) =>
          current.attention === null &&
          current.admin_seen_at !== null &&
          current.admin_seen_at < cutoff &&
          ATTENTION_STATES.includes(current.state as SetupState);
        const event = momentEvent('system', 'idle', `Idle for ${idleFor}`, {
          idleSeconds: Math.round((Date.now() - Date.parse(row.admin_seen_at ?? '')) / 1000),
        });
        try {
          if (await flag(row.id, IDLE, 'idle', message, event, stillIdle)) flagged += 1;
        } catch (err) {
          // The admin (or support) kept moving the setup: the next sweep looks again.
          if (!(err instanceof StateConflict)) throw err;
        }
      }
      return flagged;
    },
  };
}
export type Moments = ReturnType<typeof createMoments>;

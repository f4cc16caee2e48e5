import { MomentSchema, ShownBlockerSchema, type AttentionKind, type Moment } from '@kantiv/shared/attention';
import type { SetupEvent } from '@kantiv/shared/events';
import { z } from 'zod';

export const ATTENTION_LABELS: Record<AttentionKind, string> = {
  blocked: 'Blocked',
  wrong_tenant: 'Wrong tenant',
  stopped: 'Stopped by the admin',
  idle: 'Idle',
  rotation_failing: 'Certificate rotation failing',
};

export const MOMENT_LABELS: Record<Moment, string> = {
  invite_opened: 'Invite opened',
  signed_in: 'Signed in',
  blocked: 'Blocked',
  wrong_tenant: 'Wrong tenant',
  stopped: 'Stopped by the admin',
  idle: 'Idle',
  resumed: 'Resumed',
  rotation_failing: 'Certificate rotation failing',
};

/** Moments that leave the admin stuck: shown as needing support, the others as plain progress. */
export const STUCK: readonly Moment[] = ['blocked', 'wrong_tenant', 'stopped', 'idle', 'rotation_failing'];

export type AdminMoment = {
  id: number;
  at: string;
  moment: Moment;
  message: string;
  blockers: z.infer<typeof ShownBlockerSchema>[];
};

const MomentDataSchema = z.object({
  moment: MomentSchema,
  blockers: z.array(ShownBlockerSchema).optional(),
});

/** The moments of the admin's journey among a setup's events (an event with `data.moment`). */
export function momentsOf(events: readonly SetupEvent[]): AdminMoment[] {
  const out: AdminMoment[] = [];
  for (const e of events) {
    const data = MomentDataSchema.safeParse(e.data);
    if (!data.success) continue;
    out.push({
      id: e.id,
      at: e.at,
      moment: data.data.moment,
      message: e.message,
      blockers: data.data.blockers ?? [],
    });
  }
  return out;
}

export const isMoment = (e: SetupEvent) => MomentDataSchema.safeParse(e.data).success;

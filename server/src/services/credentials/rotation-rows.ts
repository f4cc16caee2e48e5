import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/database.ts';
import type { CredentialRotationsTable } from '../../db/schema.ts';

/** Where a rotation stands; each step is recorded before the next begins, so a retry resumes where it stopped. */
export const ROTATION_STATUSES = [
  'pending',
  'generated',
  'added',
  'verified',
  'switched',
  'completed',
] as const;
export type RotationStatus = (typeof ROTATION_STATUSES)[number];
/** `renewal`: the admin's renewal link added the new certificate (decision 013); the rest is a rotation. */
export type RotationReason = 'scheduled' | 'rotate_now' | 'renewal';
export type RotationRow = CredentialRotationsTable;

/** A rotation as the console and API show it (history): identifiers and times, never key material. */
export type RotationRecord = {
  id: string;
  reason: RotationReason;
  status: RotationStatus;
  fromThumbprint: string | null;
  toThumbprint: string | null;
  toExpiresAt: string | null;
  failures: number;
  lastError: string | null;
  startedAt: string;
  completedAt: string | null;
};

export const toRecord = (r: RotationRow): RotationRecord => ({
  id: r.id,
  reason: r.reason as RotationReason,
  status: r.status as RotationStatus,
  fromThumbprint: r.from_thumbprint,
  toThumbprint: r.to_thumbprint,
  toExpiresAt: r.to_expires_at,
  failures: r.failures,
  lastError: r.last_error,
  startedAt: r.created_at,
  completedAt: r.completed_at,
});

/** The rotation table: one row per rotation away from a credential (unique), never deleted. */
export function createRotationRows(db: Db) {
  return {
    /**
     * Starts a rotation away from `from` unless one exists (a credential is rotated away from once): answers the
     * rotation and whether this call made it.
     */
    async start(
      trx: Db,
      from: { id: string; setup_id: string; thumbprint: string | null; secret_key_id: string | null },
      reason: RotationReason,
      requestedBy: string,
      at: Date,
    ): Promise<{ row: RotationRow; created: boolean }> {
      const iso = at.toISOString();
      const inserted = await trx
        .insertInto('credential_rotations')
        .values({
          id: randomUUID(),
          setup_id: from.setup_id,
          from_credential_id: from.id,
          to_credential_id: null,
          reason,
          status: 'pending',
          from_thumbprint: from.thumbprint,
          from_key_id: from.secret_key_id,
          to_thumbprint: null,
          to_key_id: null,
          to_expires_at: null,
          application_object_id: null,
          failures: 0,
          last_error: null,
          requested_by: requestedBy,
          created_at: iso,
          updated_at: iso,
          completed_at: null,
        })
        .onConflict((oc) => oc.column('from_credential_id').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return { row: inserted, created: true };
      const row = await trx
        .selectFrom('credential_rotations')
        .selectAll()
        .where('from_credential_id', '=', from.id)
        .executeTakeFirstOrThrow();
      return { row, created: false };
    },

    async get(id: string): Promise<RotationRow | undefined> {
      return db.selectFrom('credential_rotations').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** Moves a rotation to its next step, compare-and-set on the step it was in (a step is taken once). */
    async advance(
      trx: Db,
      row: RotationRow,
      to: RotationStatus,
      set: Partial<RotationRow>,
      at: Date,
    ): Promise<RotationRow> {
      const next = { ...set, status: to, updated_at: at.toISOString() };
      const res = await trx
        .updateTable('credential_rotations')
        .set(next)
        .where('id', '=', row.id)
        .where('status', '=', row.status)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new Error('the rotation moved on meanwhile');
      return { ...row, ...next };
    },

    async failed(row: RotationRow, error: string, at: Date): Promise<number> {
      const failures = row.failures + 1;
      await db
        .updateTable('credential_rotations')
        .set({ failures, last_error: error.slice(0, 500), updated_at: at.toISOString() })
        .where('id', '=', row.id)
        .execute();
      return failures;
    },

    /** Active certificates that expire before `dueBy` on a verified setup and have no rotation yet. */
    async due(dueBy: Date, limit: number) {
      return db
        .selectFrom('credentials as c')
        .innerJoin('setups as s', 's.id', 'c.setup_id')
        .leftJoin('credential_rotations as r', 'r.from_credential_id', 'c.id')
        .select(['c.id', 'c.setup_id', 'c.thumbprint', 'c.secret_key_id'])
        .where('c.active', '=', 1)
        .where('c.kind', '=', 'certificate')
        .where('c.secret_expires_at', '<=', dueBy.toISOString())
        .where('s.state', '=', 'verified')
        .where('r.id', 'is', null)
        .orderBy('c.secret_expires_at')
        .limit(limit)
        .execute();
    },

    /** A setup's rotations, newest first (the history). */
    async history(setupId: string): Promise<RotationRecord[]> {
      const rows = await db
        .selectFrom('credential_rotations')
        .selectAll()
        .where('setup_id', '=', setupId)
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map(toRecord);
    },

    /** Whether `credentialId` was switched away from by a rotation (its tokens stay good: the key was not removed). */
    async rotatedAway(credentialId: string): Promise<boolean> {
      const r = await db
        .selectFrom('credential_rotations')
        .select('status')
        .where('from_credential_id', '=', credentialId)
        .executeTakeFirst();
      return r?.status === 'switched' || r?.status === 'completed';
    },
  };
}
export type RotationRows = ReturnType<typeof createRotationRows>;

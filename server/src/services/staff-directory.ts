import type { Db } from '../db/database.ts';
import type { Clock } from '../lib/clock.ts';

export type StaffName = { name?: string; email?: string };

/**
 * Staff as last seen signed in, so the audit log can name people: the hashed audit entries keep only the object id
 * (a name can change; the chain must not). Written when a staff token is admitted, and only when the name or
 * e-mail changed since this process last wrote it, so a signed-in person costs one write, not one per request.
 */
export function createStaffDirectory(db: Db, clock: Clock) {
  const written = new Map<string, string>();
  return {
    async seen(subject: string, name: string | undefined, email: string | undefined): Promise<void> {
      const key = JSON.stringify([name ?? null, email ?? null]);
      if (written.get(subject) === key) return;
      const row = { name: name ?? null, email: email ?? null, seen_at: clock.now().toISOString() };
      await db
        .insertInto('staff_directory')
        .values({ subject, ...row })
        .onConflict((oc) => oc.column('subject').doUpdateSet(row))
        .execute();
      written.set(subject, key);
    },

    async names(subjects: string[]): Promise<Map<string, StaffName>> {
      const out = new Map<string, StaffName>();
      if (subjects.length === 0) return out;
      const rows = await db
        .selectFrom('staff_directory')
        .selectAll()
        .where('subject', 'in', [...new Set(subjects)])
        .execute();
      for (const r of rows)
        out.set(r.subject, { ...(r.name ? { name: r.name } : {}), ...(r.email ? { email: r.email } : {}) });
      return out;
    },
  };
}
export type StaffDirectory = ReturnType<typeof createStaffDirectory>;

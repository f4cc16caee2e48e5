import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeDialects } from './helpers/databases.ts';
import { bearer, createSetup, type TestContext, useTestApp } from './helpers/app.ts';

/** What an owner of the database can do: switch the append-only triggers off. */
async function dropAppendOnly(ctx: TestContext): Promise<void> {
  const db = ctx.app.store.db;
  if (ctx.db.dialect === 'postgres') {
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`.execute(db);
  } else {
    await sql`DROP TRIGGER audit_log_no_update`.execute(db);
    await sql`DROP TRIGGER audit_log_no_delete`.execute(db);
  }
}

describeDialects('audit chain (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  it('audits field changes reported through wizard events', async () => {
    const { id, token } = await createSetup(ctx);
    const res = await ctx.call({
      method: 'POST',
      url: '/api/v1/wizard/events',
      headers: bearer(token),
      payload: {
        events: [
          {
            seq: 1,
            step: 'environment',
            status: 'succeeded',
            message: 'Found',
            at: new Date().toISOString(),
            data: { environmentUrl: 'https://contoso.crm.dynamics.com' },
          },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    const { items } = await ctx.app.audit.list({ setupId: id, action: 'setup.fields_reported', limit: 5 });
    expect(items[0]?.details).toEqual({
      changes: { environment_url: { from: null, to: 'https://contoso.crm.dynamics.com' } },
    });
  });

  it('every entry carries the hash of the one before; concurrent appends keep one chain', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ctx.app.audit.record({ kind: 'system', id: 'test' }, { action: 'test.concurrent', target: `t${i}` }),
      ),
    );
    const report = await ctx.app.audit.verify();
    expect(report).toMatchObject({ ok: true, unchained: 0 });
    expect(report.checked).toBeGreaterThan(20);
  });

  it('names the first changed entry, and the entry after a removed one', async () => {
    await dropAppendOnly(ctx);
    const db = ctx.app.store.db;
    const rows = await db.selectFrom('audit_log').select('id').orderBy('id').execute();
    const victim = Number(rows[3]!.id);
    await db.updateTable('audit_log').set({ action: 'nothing.happened' }).where('id', '=', victim).execute();
    const changed = await ctx.app.audit.verify();
    expect(changed).toMatchObject({ ok: false, firstBroken: { id: victim } });
    expect(changed.ok ? '' : changed.firstBroken.reason).toContain('changed');

    await db.deleteFrom('audit_log').where('id', '<=', victim).execute();
    const removedNext = Number(rows[5]!.id);
    await db.deleteFrom('audit_log').where('id', '=', Number(rows[4]!.id)).execute();
    const removed = await ctx.app.audit.verify();
    // The chain now starts at rows[5], which points at the removed rows[4]: named as the first broken entry.
    expect(removed).toMatchObject({ ok: false, firstBroken: { id: removedNext } });
  });

  it('`audit-verify` exits 1 and names the broken entry', () => {
    const server = path.resolve(import.meta.dirname, '..');
    let out = '';
    let code = 0;
    try {
      execFileSync('node', ['--import', 'tsx', 'src/cli/commands.ts', 'audit-verify'], {
        cwd: server,
        env: {
          ...process.env,
          KANTIV_KEYS: 'k1:' + Buffer.from('0123456789abcdef0123456789ABCDEF').toString('base64'),
          DATA_DIR: ctx.db.dataDir,
          ...(ctx.db.database.kind === 'postgres' ? { DATABASE_URL: ctx.db.database.url } : {}),
        },
        stdio: 'pipe',
      });
    } catch (err) {
      const e = err as { status: number; stderr: Buffer };
      code = e.status;
      out = e.stderr.toString();
    }
    expect(code).toBe(1);
    expect(out).toMatch(/audit chain broken at entry \d+/);
  });
});

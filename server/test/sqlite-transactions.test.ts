import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, type Store } from '../src/db/database.ts';

/**
 * Two processes on one SQLite file (an API instance beside a job worker, or the `rewrap` command beside the server):
 * a transaction that reads and then writes must not fail because the other committed in between. The second
 * connection below stands for the other process (its own connection to the same file; busy timeout 0, so a wait shows
 * as SQLITE_BUSY at once instead of blocking this thread).
 */
const dir = mkdtempSync(path.join(tmpdir(), 'kc-sqlite-tx-'));
const file = path.join(dir, 'kantiv.db');
let store: Store;
let other: SQLite.Database;

beforeAll(async () => {
  store = await openStore({ kind: 'sqlite', file });
  await sql`create table probe (n integer not null)`.execute(store.db);
  await sql`insert into probe (n) values (0)`.execute(store.db);
  other = new SQLite(file);
  other.pragma('busy_timeout = 0');
});

afterAll(async () => {
  other.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a read-then-write transaction holds the write lock from its start: the other process waits, nobody fails', async () => {
  const seen: string[] = [];
  await store.db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ n: number }>`select n from probe`.execute(trx);
    seen.push(`read ${rows[0]!.n}`);
    // The other process tries to commit between this transaction's read and its write. Deferred (Kysely's default),
    // it would succeed here, and this transaction's write below would fail with SQLITE_BUSY_SNAPSHOT.
    try {
      other.prepare('update probe set n = n + 10').run();
      seen.push('other committed');
    } catch (err) {
      seen.push(`other waits: ${(err as { code?: string }).code}`);
    }
    await sql`update probe set n = ${rows[0]!.n + 1}`.execute(trx);
    seen.push('wrote');
  });
  expect(seen).toEqual(['read 0', 'other waits: SQLITE_BUSY', 'wrote']);
  // Its turn now: the other process's write lands after this one's, on top of it.
  other.prepare('update probe set n = n + 10').run();
  const { rows } = await sql<{ n: number }>`select n from probe`.execute(store.db);
  expect(rows[0]!.n).toBe(11);
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';
import type { Config } from '../../src/config.ts';

export type DialectName = 'sqlite' | 'postgres';

/** Every dialect the server supports; each suite below runs once per dialect. */
export const DIALECTS: DialectName[] = ['sqlite', 'postgres'];

/**
 * `describe.each(DIALECTS)` that keeps a dialect this run cannot reach in the report, as skipped: PostgreSQL needs
 * TEST_DATABASE_URL (always set in CI, where scripts/test.sh starts a throwaway cluster), and a run without it must
 * say its PostgreSQL variants did not run rather than let them vanish. `%s` in the name is the dialect.
 */
export function describeDialects(
  name: string,
  fn: (dialect: DialectName) => void,
  dialects: DialectName[] = DIALECTS,
): void {
  for (const dialect of dialects) {
    const reachable = dialect === 'sqlite' || Boolean(process.env.TEST_DATABASE_URL);
    (reachable ? describe : describe.skip)(name.replace('%s', dialect), () => fn(dialect));
  }
}

export type TestDatabase = {
  dialect: DialectName;
  database: Config['database'];
  dataDir: string;
  /** Everything stored, as text: the SQLite files' bytes, or a pg_dump of the database. */
  dump(): string;
  drop(): Promise<void>;
};

/** A fresh database per test file: a new SQLite file in a temp folder, or a new PostgreSQL database. */
export async function freshDatabase(dialect: DialectName): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kc-test-'));
  if (dialect === 'sqlite') {
    const file = path.join(dataDir, 'kantiv-connect.sqlite');
    return {
      dialect,
      dataDir,
      database: { kind: 'sqlite', file },
      dump() {
        // The main file and the WAL together hold everything written (read whole: they outgrow a pipe's buffer).
        return [file, `${file}-wal`]
          .filter((f) => safeExists(f))
          .map((f) => readFileSync(f).toString('latin1'))
          .join('');
      },
      async drop() {
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const name = `kc_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    dialect,
    dataDir,
    database: { kind: 'postgres', url: url.toString() },
    dump() {
      const bin = process.env.PG_BIN ? path.join(process.env.PG_BIN, 'pg_dump') : 'pg_dump';
      return execFileSync(bin, ['--data-only', url.toString()], { maxBuffer: 256 * 1024 * 1024 }).toString(
        'utf8',
      );
    },
    async drop() {
      rmSync(dataDir, { recursive: true, force: true });
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

function safeExists(f: string): boolean {
  try {
    execFileSync('test', ['-f', f]);
    return true;
  } catch {
    return false;
  }
}

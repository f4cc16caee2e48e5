import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Config } from '../../src/config.ts';

export type DialectName = 'sqlite' | 'postgres';

/**
 * The dialects this run covers, chosen at module load: SQLite always, PostgreSQL whenever TEST_DATABASE_URL is set
 * (always in CI, where scripts/test.sh starts a throwaway cluster).
 */
export const DIALECTS: DialectName[] = process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

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
        // The main file and the WAL together hold everything written.
        const bytes = execFileSync(
          'cat',
          [file, `${file}-wal`].filter((f) => safeExists(f)),
        );
        return bytes.toString('latin1');
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

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type LogEvent,
  type SqliteDialectConfig,
} from 'kysely';
import type { Config } from '../config.ts';
import type { Database } from './schema.ts';
import { migrateToLatest } from './migrations.ts';
import { tracer } from '../services/telemetry/tracing.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;

export type Store = {
  db: Db;
  dialect: Dialect;
  /** PostgreSQL only: connection settings for LISTEN (a dedicated client). */
  pgUrl: string | undefined;
  close(): Promise<void>;
};

/** Opens the configured database (creating the SQLite file and folder on first start) and migrates it. */
export async function openStore(
  database: Config['database'],
  options: { migrate?: boolean } = {},
): Promise<Store> {
  let store: Store;
  if (database.kind === 'sqlite') {
    mkdirSync(path.dirname(database.file), { recursive: true });
    const file = new SQLite(database.file);
    // WAL: readers never block the writer; busy_timeout: the rewrap command may write while the server runs.
    file.pragma('journal_mode = WAL');
    file.pragma('busy_timeout = 5000');
    file.pragma('foreign_keys = ON');
    file.pragma('synchronous = NORMAL');
    // Kysely prepares every query anew; better-sqlite3 statements are reusable, so keep them by SQL text (the set
    // of distinct queries is small and fixed by the code).
    const statements = new Map<string, SQLite.Statement>();
    const cached = {
      close: () => file.close(),
      prepare: (text: string) => {
        let stmt = statements.get(text);
        if (!stmt) {
          stmt = file.prepare(text);
          if (statements.size < 2000) statements.set(text, stmt);
        }
        return stmt;
      },
    };
    const db = new Kysely<Database>({
      dialect: new ImmediateSqliteDialect({ database: cached }),
      ...traced('sqlite'),
    });
    store = { db, dialect: 'sqlite', pgUrl: undefined, close: () => db.destroy() };
  } else {
    const pool = new pg.Pool({ connectionString: database.url, max: 10 });
    // A dropped idle connection must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...traced('postgresql') });
    store = { db, dialect: 'postgres', pgUrl: database.url, close: () => db.destroy() };
  }
  if (options.migrate !== false) await migrateToLatest(store.db as Kysely<unknown>, store.dialect);
  return store;
}

/**
 * SQLite transactions that take the write lock when they begin (`BEGIN IMMEDIATE`), not at their first write.
 * Kysely's driver begins deferred: a transaction that reads, then writes (the lifecycle's compare-and-set, a hand-off,
 * a job's claim) holds a read snapshot, and when another process (an API instance beside a job worker, the `rewrap`
 * command) commits first, its first write fails at once with SQLITE_BUSY_SNAPSHOT — the busy timeout cannot retry
 * it, and the request answers 500. Beginning immediate makes the second writer wait its turn (the busy timeout)
 * before it reads, so the read-then-write sees the other's commit. Within one process nothing changes: Kysely runs
 * one SQLite connection behind a mutex.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

/**
 * With tracing on, every query is a span, reported by Kysely's log hook once it has run (in the caller's async
 * context, so under its request or job). The SQL text is kept as Kysely compiled it, with placeholders: the values
 * (sealed secrets, token hashes) are parameters and never recorded. Tracing off: no hook at all.
 */
function traced(system: 'sqlite' | 'postgresql'): { log?: (event: LogEvent) => void } {
  const t = tracer();
  if (!t) return {};
  return {
    log(event) {
      const text = event.query.sql;
      const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
      const end = performance.timeOrigin + performance.now();
      t.record(
        `${operation} ${system}`,
        { 'db.system.name': system, 'db.operation.name': operation, 'db.query.text': text },
        end - event.queryDurationMillis,
        end,
        event.level === 'error',
      );
    },
  };
}

export async function pingStore(store: Store): Promise<boolean> {
  try {
    await sql`select 1`.execute(store.db);
    return true;
  } catch {
    return false;
  }
}

import type { PgDatabase } from './postgres.ts';
import { SetupStateSchema } from '@kantiv/shared/setup';

export type Snapshot = {
  counts: Record<string, number>;
  history: Record<string, { max: number; digest: string }>;
};

const TABLES = [
  'setups',
  'setup_steps',
  'setup_events',
  'credentials',
  'jobs',
  'api_keys',
  'webhook_subscriptions',
  'webhook_deliveries',
  'audit_log',
];

/** Row counts of the tables a request can touch, and the last id and a digest of the append-only history tables. */
export async function takeSnapshot(db: PgDatabase): Promise<Snapshot> {
  const counts: Record<string, number> = {};
  for (const t of TABLES)
    counts[t] = Number((await db.query<{ n: string }>(`select count(*) n from ${t}`))[0]!.n);
  const history: Snapshot['history'] = {};
  for (const t of ['setup_events', 'audit_log']) {
    const [r] = await db.query<{ max: number | null; digest: string | null }>(
      `select max(id) as max, md5(string_agg(t::text, '|' order by id)) as digest from ${t} t`,
    );
    history[t] = { max: Number(r!.max ?? 0), digest: r!.digest ?? '' };
  }
  return { counts, history };
}

/** Invariants that must hold whatever was sent; `kid` is the one key the server seals under. */
export async function invariantViolations(db: PgDatabase, kid: string): Promise<string[]> {
  const problems: string[] = [];
  const check = async (what: string, q: string) => {
    const rows = await db.query(q);
    if (rows.length > 0) problems.push(`${what}: ${JSON.stringify(rows).slice(0, 300)}`);
  };
  await check(
    'credential not sealed under a known key',
    `select id from credentials where kid <> '${kid}' or length(iv) = 0 or length(tag) = 0 or length(wrapped_key) = 0`,
  );
  await check(
    'more than one active credential',
    `select setup_id from credentials where active = 1 group by setup_id having count(*) > 1`,
  );
  await check(
    'setup in an unknown state',
    `select id, state from setups where state not in (${SetupStateSchema.options.map((x) => `'${x}'`).join(',')})`,
  );
  await check('setup version below 1', `select id from setups where version < 1`);
  await check(
    'job in an unknown status',
    `select id, status from jobs where status not in ('queued','running','done','failed','cancelled')`,
  );
  await check(
    'events of an unknown setup',
    `select e.id from setup_events e left join setups s on s.id = e.setup_id where s.id is null`,
  );
  await check(
    'steps of an unknown setup',
    `select st.setup_id from setup_steps st left join setups s on s.id = st.setup_id where s.id is null`,
  );
  return problems;
}

/**
 * `pnpm test:mutation [module…]`: one Stryker run per module (scripts/mutation/modules.mjs), one after the other, then
 * exactly one JSON line on stdout: {"name":"mutation","score":…,"byModule":{…}}. Stryker's own output goes to stderr.
 * Incremental: each module keeps its last result in .cache/mutation/<module>.incremental.json, so a re-run only
 * tries the mutants whose code or covering tests changed (plus the initial test run and the type checker's start).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error -- a plain ES module shared with the Stryker config
import * as registry from './modules.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const all = Object.keys((registry as { MODULES: Record<string, unknown> }).MODULES);
// Module names first; from the first option on (`--timeoutMS 60000`, `--mutate "file:lines"`), everything is passed
// to each Stryker run (its CLI options override the config).
const args = process.argv.slice(2).filter((a) => a !== '--');
const firstOption = args.findIndex((a) => a.startsWith('--'));
const wanted = firstOption === -1 ? args : args.slice(0, firstOption);
const strykerOptions = firstOption === -1 ? [] : args.slice(firstOption);
const unknown = wanted.filter((m) => !all.includes(m));
if (unknown.length > 0) {
  console.error(`unknown module(s) ${unknown.join(', ')}; known: ${all.join(', ')}`);
  process.exit(2);
}
const modules = wanted.length > 0 ? wanted : all;

// Stryker's scoring: killed and timed-out mutants are detected; survivors and uncovered ones are not; mutants that
// do not compile or are ignored (static ones, see the config) do not count either way.
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

type Report = { files: Record<string, { mutants: { status: string }[] }> };

function tally(report: Report) {
  let detected = 0;
  let undetected = 0;
  for (const file of Object.values(report.files)) {
    for (const { status } of file.mutants) {
      if (DETECTED.has(status)) detected += 1;
      else if (UNDETECTED.has(status)) undetected += 1;
    }
  }
  return { detected, undetected };
}

/**
 * What a run cut short had tested: the event recorder's one file per tested mutant (see the config). The numbers
 * are those of the mutants tried so far, not of the module.
 */
function testedSoFar(name: string): Report | undefined {
  const dir = path.join(root, '.cache/mutation', `events-${name}`);
  if (!existsSync(dir)) return undefined;
  const mutants = readdirSync(dir)
    .filter((f) => f.endsWith('-onMutantTested.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { status: string });
  return mutants.length > 0 ? { files: { [name]: { mutants } } } : undefined;
}

const round = (n: number) => Math.round(n * 100) / 100;
const byModule: Record<
  string,
  { score: number | null; detected: number; undetected: number; partial?: true }
> = {};
let failed = false;
// The PostgreSQL variants would double every mutant's cost; a mutation run uses SQLite (see docs/testing/mutation.md).
const env = { ...process.env };
delete env.TEST_DATABASE_URL;

for (const name of modules) {
  const reportFile = path.join(root, '.cache/mutation', `${name}.report.json`);
  const run = spawnSync(
    path.join(root, 'node_modules/.bin/stryker'),
    ['run', 'scripts/mutation/stryker.config.mjs', ...strykerOptions],
    { cwd: root, env: { ...env, MUTATION_MODULE: name }, stdio: ['ignore', process.stderr, process.stderr] },
  );
  const complete = run.status === 0 && existsSync(reportFile);
  const report = complete ? (JSON.parse(readFileSync(reportFile, 'utf8')) as Report) : testedSoFar(name);
  if (!complete) {
    console.error(`mutation: Stryker failed for ${name} (exit ${run.status ?? run.signal})`);
    failed = true;
  }
  if (!report) continue;
  const { detected, undetected } = tally(report);
  const total = detected + undetected;
  byModule[name] = {
    score: total === 0 ? null : round((100 * detected) / total),
    detected,
    undetected,
    ...(complete ? {} : { partial: true as const }),
  };
}

const detected = Object.values(byModule).reduce((n, m) => n + m.detected, 0);
const undetected = Object.values(byModule).reduce((n, m) => n + m.undetected, 0);
const score = detected + undetected === 0 ? null : round((100 * detected) / (detected + undetected));
console.log(JSON.stringify({ name: 'mutation', score, byModule }));
process.exit(failed ? 1 : 0);

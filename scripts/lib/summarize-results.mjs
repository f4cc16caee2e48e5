// Sums every runner's JSON report (Vitest per package, Playwright) into one last line that tells the truth about the
// whole run: "N passed, N failed[, N skipped][; failed stages: a, b]". A stage is failed when its command failed
// (typecheck, lint, format, build, a runner) or when an expected runner left no results file (a filter that matched
// nothing exits 0 and writes nothing). Exits 1 when anything failed, was skipped, is missing, or nothing ran.
//
// usage: summarize-results.mjs <results dir> --expect vitest-shared,…,playwright [--failed-stages lint,build]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

function option(name) {
  const i = process.argv.indexOf(name);
  const value = i > 0 ? process.argv[i + 1] : undefined;
  return value ? value.split(',').filter(Boolean) : [];
}

const dir = process.argv[2];
const expected = option('--expect');
const failedStages = option('--failed-stages');
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
const runners = [...new Set([...expected, ...files.map((f) => f.replace(/\.json$/, ''))])].sort();
for (const runner of runners) {
  const file = path.join(dir, `${runner}.json`);
  if (!existsSync(file)) {
    rows.push(`${runner.padEnd(20)} no results`);
    if (!failedStages.includes(runner)) failedStages.push(runner);
    continue;
  }
  let data;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    rows.push(`${runner.padEnd(20)} unreadable results`);
    if (!failedStages.includes(runner)) failedStages.push(runner);
    continue;
  }
  let p = 0;
  let f = 0;
  let s = 0;
  if (runner.startsWith('vitest-')) {
    p = data.numPassedTests ?? 0;
    f = data.numFailedTests ?? 0;
    s = (data.numPendingTests ?? 0) + (data.numTodoTests ?? 0);
    // A file that failed to load counts as a failure even though none of its tests ran.
    if (data.success === false && f === 0) f = Math.max(1, data.numFailedTestSuites ?? 0);
  } else if (runner.startsWith('playwright')) {
    p = (data.stats?.expected ?? 0) + (data.stats?.flaky ?? 0);
    f = data.stats?.unexpected ?? 0;
    s = data.stats?.skipped ?? 0;
    if ((data.errors ?? []).length > 0 && f === 0) f = data.errors.length;
  }
  rows.push(`${runner.padEnd(20)} ${p} passed, ${f} failed${s ? `, ${s} skipped` : ''}`);
  passed += p;
  failed += f;
  skipped += s;
}
console.log('\nTest results by runner:');
for (const row of rows) console.log(`  ${row}`);
const stages = failedStages.length > 0 ? `; failed stages: ${failedStages.join(', ')}` : '';
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}${stages}`);
process.exit(failed > 0 || skipped > 0 || passed === 0 || failedStages.length > 0 ? 1 : 0);

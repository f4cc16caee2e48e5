// Sums every runner's JSON report (Vitest per package, Playwright) into one line: "N passed, N failed".
// Exits 1 when anything failed, was skipped, or nothing ran at all.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()) {
  const data = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  let p = 0;
  let f = 0;
  let s = 0;
  if (file.startsWith('vitest-')) {
    p = data.numPassedTests ?? 0;
    f = data.numFailedTests ?? 0;
    s = (data.numPendingTests ?? 0) + (data.numTodoTests ?? 0);
    // A file that failed to load counts as a failure even though none of its tests ran.
    if (data.success === false && f === 0) f = Math.max(1, data.numFailedTestSuites ?? 0);
  } else if (file.startsWith('playwright')) {
    p = (data.stats?.expected ?? 0) + (data.stats?.flaky ?? 0);
    f = data.stats?.unexpected ?? 0;
    s = data.stats?.skipped ?? 0;
    if ((data.errors ?? []).length > 0 && f === 0) f = data.errors.length;
  }
  rows.push(`${file.replace(/\.json$/, '').padEnd(20)} ${p} passed, ${f} failed${s ? `, ${s} skipped` : ''}`);
  passed += p;
  failed += f;
  skipped += s;
}
console.log('\nTest results by runner:');
for (const row of rows) console.log(`  ${row}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || skipped > 0 || passed === 0 ? 1 : 0);

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

/**
 * Without TEST_DATABASE_URL a suite's PostgreSQL variant must show in the report as skipped, and the last line of
 * scripts/test.sh must say so — not vanish, which would let a run that never touched PostgreSQL read as complete.
 * Runs Vitest on a fixture suite (test/fixtures/dialects.fixture.ts) the way scripts/test.sh runs a package.
 */
const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const summarizer = path.resolve(serverDir, '../scripts/lib/summarize-results.mjs');
const results = mkdtempSync(path.join(tmpdir(), 'kc-dialects-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

type Report = {
  numPassedTests: number;
  numPendingTests: number;
  numFailedTests: number;
  testResults: { assertionResults: { fullName: string; status: string }[] }[];
};

it('reports the PostgreSQL variants as skipped, and the summary line counts them, when TEST_DATABASE_URL is absent', () => {
  const env = { ...process.env };
  delete env.TEST_DATABASE_URL;
  const out = path.join(results, 'vitest-server.json');
  const run = spawnSync(
    path.join(serverDir, 'node_modules/.bin/vitest'),
    ['run', '--config', 'test/fixtures/vitest.fixture.config.ts', '--reporter=json', `--outputFile=${out}`],
    { cwd: serverDir, env, encoding: 'utf8' },
  );
  expect(run.status, run.stderr).toBe(0);
  const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
  const tests = report.testResults.flatMap((f) => f.assertionResults);
  expect(tests.map((t) => [t.fullName, t.status])).toEqual([
    ['a per-dialect suite (sqlite) runs on its dialect', 'passed'],
    ['a per-dialect suite (postgres) runs on its dialect', 'skipped'],
  ]);
  expect(report).toMatchObject({ numPassedTests: 1, numPendingTests: 1, numFailedTests: 0 });

  const summary = spawnSync(process.execPath, [summarizer, results, '--expect', 'vitest-server'], {
    encoding: 'utf8',
  });
  expect(summary.stdout.trim().split('\n').at(-1)).toBe('1 passed, 0 failed, 1 skipped');
  // A run with skipped tests is not a clean run.
  expect(summary.status).toBe(1);
});

it('no per-dialect suite of the server bypasses describeDialects (describe.each(DIALECTS) fails or drops PostgreSQL)', () => {
  const testDir = path.join(serverDir, 'test');
  const offenders = spawnSync(
    'grep',
    ['-rlE', '--include=*.test.ts', 'describe\\.each\\(DIALECTS\\)', testDir],
    {
      encoding: 'utf8',
    },
  )
    .stdout.split('\n')
    .filter(Boolean)
    .map((f) => path.relative(testDir, f))
    .filter((f) => f !== 'dialect-report.test.ts');
  expect(offenders).toEqual([]);
});

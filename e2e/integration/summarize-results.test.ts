import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/** scripts/test.sh's last line: the one line CI and people read, so it must tell the truth about every stage. */
const script = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../scripts/lib/summarize-results.mjs',
);
const EXPECT = 'vitest-server,vitest-web,playwright';
const dirs: string[] = [];

function results(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kc-summary-'));
  dirs.push(dir);
  for (const [name, data] of Object.entries(files))
    writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(data));
  return dir;
}
const vitest = (passed: number, failed = 0) => ({
  numPassedTests: passed,
  numFailedTests: failed,
  success: failed === 0,
});
const playwright = (expected: number, unexpected = 0) => ({
  stats: { expected, unexpected, skipped: 0 },
  errors: [],
});

function summarize(dir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [script, dir, '--expect', EXPECT, ...args], { encoding: 'utf8' });
  return { code: r.status, last: r.stdout.trim().split('\n').at(-1)! };
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('summarize-results (the last line of scripts/test.sh)', () => {
  it('sums every runner and exits 0 when all ran and passed', () => {
    const dir = results({ 'vitest-server': vitest(3), 'vitest-web': vitest(2), playwright: playwright(4) });
    expect(summarize(dir)).toEqual({ code: 0, last: '9 passed, 0 failed' });
  });

  it('a runner that left no results file is a failed stage, not a package quietly left out', () => {
    const dir = results({ 'vitest-server': vitest(3), playwright: playwright(4) });
    expect(summarize(dir)).toEqual({ code: 1, last: '7 passed, 0 failed; failed stages: vitest-web' });
  });

  it('names typecheck, lint, format or build failures even when every test passed', () => {
    const dir = results({ 'vitest-server': vitest(3), 'vitest-web': vitest(2), playwright: playwright(4) });
    expect(summarize(dir, '--failed-stages', 'lint,build')).toEqual({
      code: 1,
      last: '9 passed, 0 failed; failed stages: lint, build',
    });
  });

  it('counts failed tests and keeps "N passed, N failed" first', () => {
    const dir = results({
      'vitest-server': vitest(3, 2),
      'vitest-web': vitest(2),
      playwright: playwright(3, 1),
    });
    const out = summarize(dir, '--failed-stages', 'vitest-server,playwright');
    expect(out.code).toBe(1);
    expect(out.last).toBe('8 passed, 3 failed; failed stages: vitest-server, playwright');
  });
});

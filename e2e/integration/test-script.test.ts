import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * scripts/test.sh itself: every package with tests is a runner it expects (so a package cannot drop out of the run
 * silently), and its summary line tells the truth in the cases summarize-results.test.ts does not cover.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const testSh = readFileSync(path.join(root, 'scripts/test.sh'), 'utf8');
const summarizer = path.join(root, 'scripts/lib/summarize-results.mjs');

/** The packages of pnpm-workspace.yaml (its `packages:` list). */
function workspacePackages(): string[] {
  const yaml = readFileSync(path.join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = /^packages:\n((?:\s+-\s+.+\n)+)/m.exec(yaml)?.[1] ?? '';
  return [...block.matchAll(/-\s+(\S+)/g)].map((m) => m[1]!);
}

describe('scripts/test.sh expects every runner', () => {
  const listed = /^VITEST_PACKAGES=\(([^)]*)\)/m.exec(testSh)?.[1]?.trim().split(/\s+/) ?? [];

  it('lists exactly the workspace packages whose tests run on Vitest', () => {
    const withVitest = workspacePackages()
      .map(
        (dir) =>
          JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as {
            name: string;
            scripts?: Record<string, string>;
          },
      )
      .filter((pkg) => /\bvitest\b/.test(pkg.scripts?.test ?? ''))
      .map((pkg) => pkg.name.replace(/^@kantiv\//, ''));
    expect(withVitest.length).toBeGreaterThan(0);
    expect([...listed].sort()).toEqual([...withVitest].sort());
  });

  it('expects a results file from each of them and from Playwright, and hands that list to the summary', () => {
    expect(testSh).toMatch(/for pkg in "\$\{VITEST_PACKAGES\[@\]\}"; do EXPECTED\+=\("vitest-\$pkg"\); done/);
    expect(testSh).toMatch(/^EXPECTED\+=\(playwright\)$/m);
    expect(testSh).toMatch(/--outputFile="\$RESULTS\/vitest-\$pkg\.json"/);
    expect(testSh).toMatch(/PLAYWRIGHT_JSON_OUTPUT_NAME="\$RESULTS\/playwright\.json"/);
    expect(testSh).toMatch(
      /summarize-results\.mjs" "\$RESULTS" \\\n\s+--expect "\$\(IFS=,; echo "\$\{EXPECTED\[\*\]\}"\)" --failed-stages/,
    );
    expect(existsSync(path.join(root, 'e2e/playwright.config.ts'))).toBe(true);
  });

  it('runs typecheck, lint, format and build as stages whose failure reaches the summary', () => {
    for (const stage of ['typecheck', 'lint', 'format', 'build', 'playwright'])
      expect(testSh).toMatch(new RegExp(`^run_stage ${stage} `, 'm'));
    expect(testSh).toMatch(/if ! "\$@"; then failures\+=\("\$id"\); fi/);
  });
});

describe('the summary line in the remaining cases', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  function results(files: Record<string, unknown>): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'kc-test-script-'));
    dirs.push(dir);
    for (const [name, data] of Object.entries(files))
      writeFileSync(path.join(dir, `${name}.json`), typeof data === 'string' ? data : JSON.stringify(data));
    return dir;
  }
  function summarize(dir: string, expect: string, ...args: string[]) {
    const r = spawnSync(process.execPath, [summarizer, dir, '--expect', expect, ...args], {
      encoding: 'utf8',
    });
    return { code: r.status, last: r.stdout.trim().split('\n').at(-1)! };
  }

  it('a test file that failed to load counts as a failure although none of its tests ran', () => {
    const dir = results({
      'vitest-server': { numPassedTests: 4, numFailedTests: 0, numFailedTestSuites: 2, success: false },
    });
    expect(summarize(dir, 'vitest-server')).toEqual({ code: 1, last: '4 passed, 2 failed' });
  });

  it('an unreadable results file is a failed stage', () => {
    const dir = results({ 'vitest-server': '{"numPassedTests": 3,' });
    expect(summarize(dir, 'vitest-server')).toEqual({
      code: 1,
      last: '0 passed, 0 failed; failed stages: vitest-server',
    });
  });

  it('Playwright errors outside a test (a failed global setup) count as failures', () => {
    const dir = results({
      playwright: {
        stats: { expected: 0, unexpected: 0, skipped: 0 },
        errors: [{ message: 'webServer exited' }],
      },
    });
    expect(summarize(dir, 'playwright')).toEqual({ code: 1, last: '0 passed, 1 failed' });
  });

  it('skipped tests are counted and the run is not clean', () => {
    const dir = results({
      'vitest-server': {
        numPassedTests: 5,
        numFailedTests: 0,
        numPendingTests: 2,
        numTodoTests: 1,
        success: true,
      },
    });
    expect(summarize(dir, 'vitest-server')).toEqual({ code: 1, last: '5 passed, 0 failed, 3 skipped' });
  });

  it('a run where nothing ran is a failure, and every expected runner is named', () => {
    const dir = results({});
    expect(summarize(dir, 'vitest-shared,playwright')).toEqual({
      code: 1,
      last: '0 passed, 0 failed; failed stages: playwright, vitest-shared',
    });
  });

  it('a stage that failed and also left no results is named once', () => {
    const dir = results({ playwright: { stats: { expected: 2, unexpected: 0 }, errors: [] } });
    expect(summarize(dir, 'vitest-web,playwright', '--failed-stages', 'vitest-web')).toEqual({
      code: 1,
      last: '2 passed, 0 failed; failed stages: vitest-web',
    });
  });
});

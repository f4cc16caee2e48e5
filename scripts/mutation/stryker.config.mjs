// @ts-check
import { createRequire } from 'node:module';
import { moduleNamed } from './modules.mjs';

/*
 * Stryker for one module (MUTATION_MODULE), run from the repository root. `inPlace`: the tests of one module live in
 * several packages (the verifier's in e2e/integration, which imports @kantiv/server), and a sandbox copy would leave
 * those imports pointing at the unmutated originals; Stryker restores every file when the run ends.
 */
const name = process.env.MUTATION_MODULE ?? '';
const module = moduleNamed(name);
const require = createRequire(import.meta.url);
const cache = '.cache/mutation';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  inPlace: true,
  mutate: module.mutate,
  // In place, Stryker's default would add `// @ts-nocheck` to every source file of the repository; Vitest does not
  // type-check, and the TypeScript checker sees the mutants on its own, so only the mutated files are touched.
  disableTypeChecks: false,
  ignorePatterns: ['.cache', 'dist', 'test-results', 'playwright-report'],
  plugins: [
    require.resolve('@stryker-mutator/vitest-runner'),
    require.resolve('@stryker-mutator/typescript-checker'),
  ],
  testRunner: 'vitest',
  vitest: { configFile: 'scripts/mutation/vitest.config.ts', related: false },
  checkers: ['typescript'],
  tsconfigFile: module.tsconfig,
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // Two cores shared with other work: one test process, one checker.
  concurrency: 1,
  coverageAnalysis: 'perTest',
  // Bail (stop at a mutant's first failing test) is per module. The server's modules: a mutant whose test failed left
  // the run waiting until Stryker's timeout (a killed mutant cost ~25 s and was reported as a timeout), and a mutant
  // there runs only the few tests that cover it, so bail saves nothing. The engine's steps opt in: every engine run
  // covers every step, so a mutant is covered by 40-60 tests in up to 14 files (each file ~2.3 s to import and start
  // its emulator); with bail a killed mutant costs its first failing file, not all of them (2026-12-05: 23 of
  // credential-lifetime.ts's mutants in 1.5 min, no timeouts, against 1 mutant per 2-3 min without).
  disableBail: !module.bail,
  // A static mutant (in a module-level constant) runs every test of its module, not only those that reach it. Skipped
  // by default for cost; a module whose promise lives in a constant (the lifecycle's transition table) opts in.
  ignoreStatic: !module.staticMutants,
  incremental: true,
  incrementalFile: `${cache}/${name}.incremental.json`,
  // The event recorder writes each mutant's result as it is known, so a run cut short (a deadline, Ctrl-C) still
  // leaves what it tested: run.ts counts those when the final report is missing.
  reporters: ['json', 'clear-text', 'progress', 'event-recorder'],
  jsonReporter: { fileName: `${cache}/${name}.report.json` },
  eventReporter: { baseDir: `${cache}/events-${name}` },
  clearTextReporter: { allowEmojis: false, logTests: false, maxTestsToLog: 0 },
  tempDirName: `${cache}/tmp-${name}`,
  cleanTempDir: true,
  timeoutMS: 10_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 15,
  thresholds: { high: 90, low: 80, break: null },
};

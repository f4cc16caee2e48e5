import { defineConfig, type ViteUserConfig } from 'vitest/config';
import server from '../../server/vitest.config.ts';
import e2e from '../../e2e/vitest.config.ts';
import provisioning from '../../web/provisioning/vitest.config.ts';
// @ts-expect-error -- a plain ES module shared with the Stryker config, which Stryker loads without TypeScript
import * as registry from './modules.mjs';

/**
 * One Vitest project per package whose tests cover the module under mutation (MUTATION_MODULE). Each project takes its
 * package's own test options and runs from the package's directory, so the tests see what `pnpm test` gives them; only
 * `include` is narrowed (Vitest's `extends` would append to the package's include, not replace it).
 */
const PACKAGES = {
  server: ['server', server],
  e2e: ['e2e', e2e],
  provisioning: ['web/provisioning', provisioning],
} as const satisfies Record<string, readonly [string, ViteUserConfig]>;
type Package = keyof typeof PACKAGES;
const { moduleNamed } = registry as { moduleNamed: (name?: string) => { tests: Record<Package, string[]> } };
const module = moduleNamed(process.env.MUTATION_MODULE);
const root = new URL('../../', import.meta.url).pathname;

export default defineConfig({
  test: {
    projects: (Object.keys(PACKAGES) as Package[])
      .filter((name) => module.tests[name].length > 0)
      .map((name) => {
        const [dir, config] = PACKAGES[name];
        // Hooks (an app, an emulator starting) get a minute: on the shared machine under load a test app's start
        // (beforeAll) took over Vitest's 10 s; a hook that times out fails the file, so Stryker's initial run failed
        // (`environment-url`, 2026-12-04, load ≈ 10) or a mutant counted as killed that no assertion had seen.
        return {
          test: {
            ...config.test,
            hookTimeout: 60_000,
            name,
            root: `${root}${dir}`,
            include: module.tests[name],
          },
        };
      }),
  },
});

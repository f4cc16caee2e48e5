import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['integration/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 60_000,
    passWithNoTests: false,
  },
});

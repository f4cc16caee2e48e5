// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { readdirSync } from 'node:fs';

/*
 * Boundaries the machine enforces (issue 13). Each zone lists what its files may not import; ESLint does not merge
 * one rule's options across blocks, so every zone also carries the workspace-wide rule: another package is imported
 * by its name (`@kantiv/…`), never through its `src/` by a relative path. `e2e/integration/lint-zones.test.ts`
 * proves each zone fails on a crossing import.
 */
const crossPackage = {
  regex: '^(\\.\\./)+(.*/)?(shared|server|web|e2e|provisioning|emulator|dev)/src(/|$)',
  message: 'Import another package by its name (@kantiv/…), never its src/ by a relative path.',
};
const zone = (files, patterns, paths = []) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { paths, patterns: [crossPackage, ...patterns] }] },
});
const features = readdirSync(new URL('web/src/features/', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const noReact = 'The provisioning engine is plain TypeScript: no React (CONVENTIONS 7).';
const react = ['react', 'react-dom', 'react-router'].map((name) => ({ name, message: noReact }));
const boundaries = [
  zone(['**/*.{ts,tsx}'], []),
  zone(
    ['server/src/services/**/*.ts'],
    [{ group: ['**/plugins/**', '**/routes/**'], message: 'Services never import plugins or routes.' }],
  ),
  zone(
    ['server/src/routes/**/*.ts'],
    [
      {
        group: ['**/db/**', '**/vault/**'],
        message: 'Routes reach storage and the vault only through a service.',
      },
    ],
  ),
  ...features.map((feature) =>
    zone(
      [`web/src/features/${feature}/**/*.{ts,tsx}`],
      features
        .filter((other) => other !== feature)
        .flatMap((other) => [
          { group: [`**/features/${other}`, `**/features/${other}/**`] },
          // A relative import names no `features/` when it climbs out of one feature into its sibling.
          { regex: `^(\\.\\./)+${other}(/|$)` },
        ])
        .map((p) => ({
          ...p,
          message:
            'A feature never imports another feature; move what both need to web/src/components or lib.',
        })),
    ),
  ),
  zone(
    ['web/provisioning/src/**/*.ts'],
    [
      {
        group: ['**/app/**', '**/features/**', '@kantiv/web', '@kantiv/web/**'],
        message: 'The provisioning engine knows nothing of the SPA (CONVENTIONS 7).',
      },
      // Subpaths (react-dom/client, react/jsx-runtime); the bare names are the `paths` above.
      { group: ['react/**', 'react-dom/**', 'react-router/**'], message: noReact },
    ],
    react,
  ),
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/test-results/**',
      '**/playwright-report/**',
      '.data/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // Fastify plugins are async by contract even when they await nothing.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  {
    // Configuration is parsed once (server/src/config.ts, web/src/config/env.ts); nothing else reads it.
    files: ['server/src/**/*.ts', 'web/src/**/*.{ts,tsx}', 'shared/src/**/*.ts'],
    ignores: ['server/src/config.ts', 'web/src/config/env.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration in server/src/config.ts only.' },
        {
          object: 'import.meta',
          property: 'env',
          message: 'Read configuration in web/src/config/env.ts only.',
        },
      ],
    },
  },
  ...boundaries,
  {
    files: ['**/*.{js,mjs}'],
    ...tseslint.configs.disableTypeChecked,
  },
);

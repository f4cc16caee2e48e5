import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The boundaries of issue 13 are ESLint zones (`eslint.config.js`). Each case takes a real file of the zone, adds
 * one import that crosses the boundary, and lints it with the project's own configuration: the crossing import must
 * be an error, and the file as it is must have none (so the tree obeys the zone and the rule is what fails).
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: ROOT });

function firstSourceFile(dir: string): string {
  const entries = readdirSync(path.join(ROOT, dir), { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  for (const e of entries) {
    if (e.isFile() && /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) return path.join(dir, e.name);
  }
  for (const e of entries) {
    if (e.isDirectory()) return firstSourceFile(path.join(dir, e.name));
  }
  throw new Error(`no source file under ${dir}`);
}

/** The specifier that reaches `target` (a path from the root) from `file`, as a relative import would write it. */
function relative(file: string, target: string): string {
  const spec = path.relative(path.dirname(file), target);
  return spec.startsWith('.') ? spec : `./${spec}`;
}

async function restrictedImportErrors(file: string, extra?: string): Promise<string[]> {
  const text = readFileSync(path.join(ROOT, file), 'utf8') + (extra ? `\nimport '${extra}';\n` : '');
  const [result] = await eslint.lintText(text, { filePath: path.join(ROOT, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const cases: { zone: string; file: string; crossing: (file: string) => string; says: RegExp }[] = [
  {
    zone: 'services ✗ plugins',
    file: 'server/src/services/audit.ts',
    crossing: (f) => relative(f, 'server/src/plugins/app/auth.ts'),
    says: /Services never import plugins or routes/,
  },
  {
    zone: 'services ✗ routes',
    file: 'server/src/services/audit.ts',
    crossing: (f) => relative(f, 'server/src/routes/health/index.ts'),
    says: /Services never import plugins or routes/,
  },
  {
    zone: 'routes ✗ db',
    file: 'server/src/routes/health/index.ts',
    crossing: (f) => relative(f, 'server/src/db/database.ts'),
    says: /only through a service/,
  },
  {
    zone: 'routes ✗ vault',
    file: 'server/src/routes/health/index.ts',
    crossing: (f) => relative(f, 'server/src/vault/vault.ts'),
    says: /only through a service/,
  },
  {
    zone: 'features/wizard ✗ features/console',
    file: firstSourceFile('web/src/features/wizard'),
    crossing: (f) => relative(f, firstSourceFile('web/src/features/console')),
    says: /never imports another feature/,
  },
  {
    zone: 'features/console ✗ features/wizard',
    file: firstSourceFile('web/src/features/console'),
    crossing: (f) => relative(f, firstSourceFile('web/src/features/wizard')),
    says: /never imports another feature/,
  },
  {
    zone: 'engine ✗ React',
    file: 'web/provisioning/src/index.ts',
    crossing: () => 'react',
    says: /no React/,
  },
  {
    zone: 'engine ✗ the SPA',
    file: 'web/provisioning/src/index.ts',
    crossing: (f) => relative(f, firstSourceFile('web/src/features/wizard')),
    says: /knows nothing of the SPA/,
  },
  {
    zone: "nothing ✗ another package's src/ by relative path",
    file: 'server/src/app.ts',
    crossing: (f) => relative(f, 'shared/src/errors.ts'),
    says: /by its name/,
  },
];

describe('ESLint zones (eslint.config.js)', () => {
  for (const c of cases) {
    it(`${c.zone}: ${c.file} as it is has no crossing import, and one added is an error`, async () => {
      expect(await restrictedImportErrors(c.file)).toEqual([]);
      const errors = await restrictedImportErrors(c.file, c.crossing(c.file));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(c.says);
    }, 180_000); // type-aware linting builds a TypeScript program first: slow on a busy 2-core machine
  }
});

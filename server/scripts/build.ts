import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * The production build: `dist/server.js` and `dist/cli/commands.js`, plain ESM that `node` runs without a TypeScript
 * loader. Our own code and `@kantiv/shared` (which exports its TypeScript source) are bundled; every npm dependency
 * stays external and is loaded from node_modules as usual (native modules, CommonJS and all). Types are not checked
 * here: `pnpm typecheck` does that.
 */
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
const external = Object.keys(pkg.dependencies)
  .filter((name) => !pkg.dependencies[name]!.startsWith('workspace:'))
  .flatMap((name) => [name, `${name}/*`]);

const outdir = path.join(dir, 'dist');
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: dir,
  entryPoints: { server: 'src/server.ts', 'cli/commands': 'src/cli/commands.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(
  `server built into ${path.relative(process.cwd(), outdir) || '.'} (${Math.round(bytes / 1024)} KiB)`,
);

import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `pnpm bench` runs every benchmark in this folder; `pnpm bench <name>` runs `<name>.bench.ts` alone. */
const dir = path.dirname(fileURLToPath(import.meta.url));
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();
// `pnpm bench fleet --setups 1000`: names first, then options, passed on to every benchmark named.
const args = process.argv.slice(2).filter((a) => a !== '--');
const firstOption = args.findIndex((a) => a.startsWith('--'));
const wanted = firstOption < 0 ? args : args.slice(0, firstOption);
const options = firstOption < 0 ? [] : args.slice(firstOption);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n== bench ${name} ==`);
  const res = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(dir, `${name}.bench.ts`), ...options],
    {
      stdio: 'inherit',
    },
  );
  if (res.status !== 0) {
    console.error(`bench ${name} failed (exit ${res.status ?? res.signal})`);
    failed += 1;
  }
}
process.exit(failed === 0 ? 0 : 1);

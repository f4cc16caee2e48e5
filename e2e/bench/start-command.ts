import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The node flags and script of `pnpm start` (server/package.json), so a bench runs the server exactly as production
 * does, and a bare comparison server runs with the same flags (a different young-generation size alone moves
 * throughput by several percent).
 */
export function startCommand(root: string): { flags: string[]; args: string[] } {
  const script = (
    JSON.parse(readFileSync(path.join(root, 'server/package.json'), 'utf8')) as { scripts: { start: string } }
  ).scripts.start;
  const words = script.split(/\s+/).slice(1);
  const flags = words.filter((w) => w.startsWith('--'));
  const args = words.map((a) => (a.endsWith('.js') ? path.join(root, 'server', a) : a));
  return { flags, args };
}

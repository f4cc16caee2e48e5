/**
 * Every benchmark prints a readable table and ends with exactly one line of JSON holding its `name` and its
 * figures, so runs can be compared by machine (`pnpm bench <name> | tail -1`).
 */
export type Row = Record<string, string | number>;

export function formatTable(rows: Row[]): string {
  if (rows.length === 0) return '(no rows)';
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: string | number | undefined) =>
    v === undefined ? '' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v;
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
  ].join('\n');
}

export function report(name: string, rows: Row[], figures: Record<string, number | string | boolean>): void {
  console.log(formatTable(rows));
  console.log(JSON.stringify({ name, ...figures }));
}

/** `--name value` from the command line (`pnpm bench fleet --setups 1000`), else `fallback`. */
export function benchOption(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(value) ? value : fallback;
}

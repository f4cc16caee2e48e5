import type { Setup } from '@kantiv/shared/setup';

/**
 * A cell as RFC 4180 wants it, and never a formula: a spreadsheet runs a cell that starts with = + - @ (or a tab or
 * carriage return before one), and customer names and environment hints are typed by people outside Kantiv.
 */
export function csvCell(value: string | number | undefined): string {
  let text = value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const COLUMNS: [string, (s: Setup) => string | number | undefined][] = [
  ['setup_id', (s) => s.id],
  ['customer', (s) => s.customerName],
  ['state', (s) => s.state],
  ['needs_attention', (s) => s.attention?.kind ?? (s.state === 'failed' ? 'failed' : '')],
  ['tenant_id', (s) => s.tenantId],
  ['tenant_domain', (s) => s.tenantDomain ?? s.expectedTenantDomain],
  ['environment', (s) => s.environmentUrl ?? s.environmentHint],
  ['created_at', (s) => s.createdAt],
  ['created_by', (s) => s.createdBy?.name ?? (s.createdBy ? `${s.createdBy.kind}:${s.createdBy.id}` : '')],
  ['last_activity_at', (s) => s.updatedAt],
  ['invite_expires_at', (s) => s.inviteExpiresAt],
  ['secret_expires_at', (s) => s.secretExpiresAt],
];

/** Columns of a CSV export: the header's name and how a row gives the cell. */
export type CsvColumns<T> = readonly (readonly [string, (row: T) => string | number | undefined])[];

/** A header line, then one line per row, every cell through `csvCell`; CRLF line ends (RFC 4180). */
export async function* csvOf<T>(
  columns: CsvColumns<T>,
  rows: AsyncIterable<T> | Iterable<T>,
): AsyncGenerator<string> {
  yield `${columns.map(([name]) => name).join(',')}\r\n`;
  for await (const r of rows) yield `${columns.map(([, get]) => csvCell(get(r))).join(',')}\r\n`;
}

/** The CSV export of a list: a header line, then one line per setup; times in UTC (ISO 8601), CRLF line ends. */
export function setupsCsv(setups: AsyncIterable<Setup>): AsyncGenerator<string> {
  return csvOf(COLUMNS, setups);
}

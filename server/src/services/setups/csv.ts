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

/** The CSV export of a list: a header line, then one line per setup; times in UTC (ISO 8601), CRLF line ends. */
export async function* setupsCsv(setups: AsyncIterable<Setup>): AsyncGenerator<string> {
  yield `${COLUMNS.map(([name]) => name).join(',')}\r\n`;
  for await (const s of setups) yield `${COLUMNS.map(([, get]) => csvCell(get(s))).join(',')}\r\n`;
}

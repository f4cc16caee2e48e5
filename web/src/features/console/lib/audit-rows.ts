import type { AuditEntry } from '@kantiv/shared/audit';

/** The wizard reports progress in batches; each batch is an entry. Shown folded: one row per run of them. */
export const NOISY_ACTION = 'setup.events_posted';

export type AuditRow = { kind: 'entry'; entry: AuditEntry } | { kind: 'folded'; entries: AuditEntry[] };

/** Consecutive `setup.events_posted` entries of one setup become one folded row; every other entry stays a row. */
export function foldAuditRows(items: AuditEntry[]): AuditRow[] {
  const rows: AuditRow[] = [];
  for (const entry of items) {
    const last = rows.at(-1);
    if (entry.action !== NOISY_ACTION) rows.push({ kind: 'entry', entry });
    else if (last?.kind === 'folded' && last.entries[0]?.setupId === entry.setupId) last.entries.push(entry);
    else rows.push({ kind: 'folded', entries: [entry] });
  }
  return rows;
}

const ACTOR_LABELS = {
  staff: 'Staff',
  api_key: 'API key',
  setup_token: 'Customer admin (invite)',
  system: 'System',
} as const;

/** Who, in words: a name and e-mail when known, else what kind of actor (the id stays on hover). */
export function actorText(actor: AuditEntry['actor']): string {
  const who = [actor.name, actor.email && actor.email !== actor.name ? `<${actor.email}>` : undefined]
    .filter(Boolean)
    .join(' ');
  return who ? `${who} (${ACTOR_LABELS[actor.kind]})` : ACTOR_LABELS[actor.kind];
}

export const actorKindLabel = (kind: AuditEntry['actor']['kind']) => ACTOR_LABELS[kind];

/** `fieldName` → "Field name", so details read as fields, not JSON keys. */
export function fieldLabel(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replaceAll('_', ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A detail's value as text: lists joined, nested objects as `key: value` pairs. */
export function fieldValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) return value.map(fieldValue).join(', ');
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${fieldLabel(k)}: ${fieldValue(v)}`)
      .join('; ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A `<input type="date">` value as the instant that day starts in the viewer's time zone (ISO 8601, UTC). */
export function dayStart(day: string, plusDays = 0): string | undefined {
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return undefined;
  return new Date(y, m - 1, d + plusDays).toISOString();
}

/** The viewer's calendar day of an instant, as an `<input type="date">` value. */
export function dayOf(iso: string | undefined, minusDays = 0): string {
  if (!iso) return '';
  const t = new Date(iso);
  t.setDate(t.getDate() - minusDays);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`;
}

const inUtc = (timeStyle: 'short' | 'medium') =>
  new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle, timeZone: 'UTC' });
const dateTime = inUtc('short');
const withSeconds = inUtc('medium');

function formatUtc(format: Intl.DateTimeFormat, iso: string | undefined): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '—' : `${format.format(ms)} UTC`;
}

/** Dates in UTC, labelled, so support and customers in other time zones read the same value. */
export const formatDateTime = (iso: string | undefined): string => formatUtc(dateTime, iso);

/** To the second: when Microsoft's next try is due is a matter of seconds. */
export const formatDateTimeSeconds = (iso: string | undefined): string => formatUtc(withSeconds, iso);

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export type ExpiryWarning = { level: 'expired' | 'soon'; days: number } | null;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Secrets that expire within 30 days (or already have) need the customer to rotate them. */
export function secretExpiryWarning(secretExpiresAt: string | undefined, now: number): ExpiryWarning {
  if (!secretExpiresAt) return null;
  const remaining = Date.parse(secretExpiresAt) - now;
  if (Number.isNaN(remaining)) return null;
  if (remaining <= 0) return { level: 'expired', days: Math.floor(-remaining / DAY_MS) };
  if (remaining <= 30 * DAY_MS) return { level: 'soon', days: Math.ceil(remaining / DAY_MS) };
  return null;
}

/** The warning in words, naming the credential's kind (a secret unless told otherwise). */
export function expiryText(
  warning: ExpiryWarning,
  kind: 'client_secret' | 'certificate' = 'client_secret',
): string {
  if (!warning) return '';
  const what = kind === 'certificate' ? 'Certificate' : 'Secret';
  if (warning.level === 'expired') return `${what} expired`;
  return warning.days === 1 ? `${what} expires in 1 day` : `${what} expires in ${warning.days} days`;
}

export const STATE_LABELS = {
  invited: 'Invited',
  in_progress: 'In progress',
  awaiting_verification: 'Awaiting verification',
  verified: 'Verified',
  failed: 'Failed',
  expired: 'Expired',
  revoked: 'Revoked',
} as const;

/**
 * One date format everywhere (Intl, day month year, 24-hour clock), in the viewer's own time zone and named, so
 * "19:20 CET" is never read as UTC; the UTC value is on hover (see When).
 */
const local = (timeStyle: 'short' | 'medium', timeZone?: string) =>
  new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(timeStyle === 'medium' ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
    timeZoneName: 'short',
    ...(timeZone ? { timeZone } : {}),
  });
const dateTime = local('short');
const withSeconds = local('medium');
const utcSeconds = local('medium', 'UTC');

function format(f: Intl.DateTimeFormat, iso: string | undefined): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '—' : f.format(ms);
}

/** A time in the viewer's zone, to the minute. */
export const formatDateTime = (iso: string | undefined): string => format(dateTime, iso);

/** To the second: when Microsoft's next try is due is a matter of seconds. */
export const formatDateTimeSeconds = (iso: string | undefined): string => format(withSeconds, iso);

/** The same instant in UTC, to the second: what support quotes to Microsoft or reads in a log. */
export const formatUtc = (iso: string | undefined): string => format(utcSeconds, iso);

const relative = new Intl.RelativeTimeFormat('en-GB', { numeric: 'auto' });

/** "5 minutes ago", "in 3 hours": for events within a day of now; undefined for older or later ones. */
export function relativeTime(iso: string | undefined, now: number): string | undefined {
  const ms = iso ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) return undefined;
  const diff = ms - now;
  const abs = Math.abs(diff);
  if (abs >= 24 * 60 * 60_000) return undefined;
  if (abs < 60_000) return relative.format(Math.round(diff / 1000), 'second');
  if (abs < 60 * 60_000) return relative.format(Math.round(diff / 60_000), 'minute');
  return relative.format(Math.round(diff / (60 * 60_000)), 'hour');
}

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
  // Rounded, not ceiled: a page whose clock ticks once a minute would otherwise say 15 for a fresh 14-day secret.
  if (remaining <= 30 * DAY_MS) return { level: 'soon', days: Math.max(1, Math.round(remaining / DAY_MS)) };
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
  disconnected: 'Disconnected',
} as const;

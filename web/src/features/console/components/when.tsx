import { formatDateTime, formatUtc, relativeTime } from '../lib/format.ts';

/** A moment in the viewer's time zone ("12 minutes ago" when recent), with the UTC value on hover. */
export function When({ iso, now }: { iso: string | undefined; now?: number }) {
  if (!iso) return <>—</>;
  const recent = now === undefined ? undefined : relativeTime(iso, now);
  const shown = formatDateTime(iso);
  return (
    <time dateTime={iso} title={`${formatUtc(iso)}${recent ? ` (${shown})` : ''}`}>
      {recent ?? shown}
    </time>
  );
}

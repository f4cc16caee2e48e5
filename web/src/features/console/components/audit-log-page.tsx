import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { AuditActorKindSchema, type AuditList } from '@kantiv/shared/audit';
import { exportAuditLog } from '../api/export-audit-log.ts';
import { getAuditActions } from '../api/get-audit-log.ts';
import { useConsole } from '../hooks/use-console.ts';
import { useNow } from '../hooks/use-now.ts';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { actorKindLabel, dayOf, dayStart, foldAuditRows } from '../lib/audit-rows.ts';
import { auditFilterFrom } from '../lib/list-filters.ts';
import type { Loaded } from '../lib/loaded.ts';
import { AuditEntryRow } from './audit-entry-row.tsx';
import { CsvDownloadButton } from './csv-download-button.tsx';
import { DataTable } from './data-table.tsx';
import { ErrorMessage } from './error-message.tsx';

/**
 * The append-only audit log, newest first: filtered by setup, action (from the actions the log holds), kind of
 * actor and a date range (in the viewer's time zone), all in the URL; the same filter downloads as CSV.
 */
export function AuditLogPage({ log }: { log: Loaded<AuditList> }) {
  usePageTitle('Audit log');
  const { auth } = useConsole();
  const now = useNow();
  const [params, setParams] = useSearchParams();
  const filter = auditFilterFrom(params);
  const { setupId = '', action = '', actorKind, from, to, cursor } = filter;
  const [draft, setDraft] = useState({
    setupId,
    action,
    actorKind: actorKind ?? '',
    from: dayOf(from),
    // `to` is the start of the day after the last day shown.
    to: dayOf(to, 1),
  });
  const [actions, setActions] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    getAuditActions(auth)
      .then((items) => live && setActions(items))
      // Without the list the field still offers the current action; the entries below show any error.
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [auth]);
  const offered = action && !actions.includes(action) ? [action, ...actions] : actions;
  const set = (field: keyof typeof draft) => (e: { target: { value: string } }) =>
    setDraft({ ...draft, [field]: e.target.value });

  return (
    <>
      <h1>Audit log</h1>
      <form
        className="c-filters"
        role="search"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          const p = new URLSearchParams();
          if (draft.setupId.trim()) p.set('setupId', draft.setupId.trim());
          if (draft.action) p.set('action', draft.action);
          if (draft.actorKind) p.set('actorKind', draft.actorKind);
          const start = draft.from ? dayStart(draft.from) : undefined;
          const end = draft.to ? dayStart(draft.to, 1) : undefined;
          if (start) p.set('from', start);
          if (end) p.set('to', end);
          setParams(p);
        }}
      >
        <label>
          Setup id
          <input value={draft.setupId} onChange={set('setupId')} />
        </label>
        <label>
          Action
          <select value={draft.action} onChange={set('action')}>
            <option value="">Any action</option>
            {offered.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          Actor
          <select value={draft.actorKind} onChange={set('actorKind')}>
            <option value="">Anyone</option>
            {AuditActorKindSchema.options.map((k) => (
              <option key={k} value={k}>
                {actorKindLabel(k)}
              </option>
            ))}
          </select>
        </label>
        <label>
          From (day)
          <input type="date" value={draft.from} max={draft.to || undefined} onChange={set('from')} />
        </label>
        <label>
          To (day, included)
          <input type="date" value={draft.to} min={draft.from || undefined} onChange={set('to')} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <CsvDownloadButton
        load={() => exportAuditLog(auth, filter)}
        filename="audit-log.csv"
        label="Download CSV of these entries"
      />
      {log.kind === 'error' && <ErrorMessage message={log.message} />}
      {log.kind === 'ready' &&
        (log.data.items.length === 0 ? (
          <p>No audit entry matches these filters.</p>
        ) : (
          <>
            <DataTable caption="Audit entries" columns={['When', 'Actor', 'Action', 'Setup', 'Details']}>
              {foldAuditRows(log.data.items).map((row) => (
                <AuditEntryRow
                  key={row.kind === 'entry' ? row.entry.id : `folded-${row.entries[0]?.id}`}
                  row={row}
                  now={now}
                />
              ))}
            </DataTable>
            <nav className="c-pager" aria-label="Pages">
              {cursor && (
                <button
                  type="button"
                  onClick={() => {
                    const p = new URLSearchParams(params);
                    p.delete('cursor');
                    setParams(p);
                  }}
                >
                  Newest entries
                </button>
              )}
              <button
                type="button"
                disabled={log.data.nextCursor === undefined}
                onClick={() => {
                  const p = new URLSearchParams(params);
                  p.set('cursor', String(log.data.nextCursor));
                  setParams(p);
                }}
              >
                Older entries
              </button>
            </nav>
          </>
        ))}
    </>
  );
}

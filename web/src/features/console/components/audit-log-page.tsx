import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { AuditActorKindSchema, type AuditList } from '@kantiv/shared/audit';
import { formatDateTime } from '../lib/format.ts';
import { auditFilterFrom } from '../lib/list-filters.ts';
import type { Loaded } from '../lib/loaded.ts';
import { DataTable } from './data-table.tsx';
import { ErrorMessage } from './error-message.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';

const ACTOR_LABELS = {
  staff: 'Staff',
  api_key: 'API key',
  setup_token: 'Customer admin (invite)',
  system: 'System',
};

/** The append-only audit log, newest first, filtered by setup, action and kind of actor (filters in the URL). */
export function AuditLogPage({ log }: { log: Loaded<AuditList> }) {
  usePageTitle('Audit log');
  const [params, setParams] = useSearchParams();
  const { setupId = '', action = '', actorKind, cursor } = auditFilterFrom(params);
  const [draft, setDraft] = useState({ setupId, action, actorKind: actorKind ?? '' });

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
          if (draft.action.trim()) p.set('action', draft.action.trim());
          if (draft.actorKind) p.set('actorKind', draft.actorKind);
          setParams(p);
        }}
      >
        <label>
          Setup id
          <input value={draft.setupId} onChange={(e) => setDraft({ ...draft, setupId: e.target.value })} />
        </label>
        <label>
          Action
          <input value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })} />
        </label>
        <label>
          Actor
          <select value={draft.actorKind} onChange={(e) => setDraft({ ...draft, actorKind: e.target.value })}>
            <option value="">Anyone</option>
            {AuditActorKindSchema.options.map((k) => (
              <option key={k} value={k}>
                {ACTOR_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      {log.kind === 'error' && <ErrorMessage message={log.message} />}
      {log.kind === 'ready' &&
        (log.data.items.length === 0 ? (
          <p>No audit entry matches these filters.</p>
        ) : (
          <>
            <DataTable caption="Audit entries" columns={['When', 'Actor', 'Action', 'Setup', 'Details']}>
              {log.data.items.map((entry) => (
                <tr key={entry.id} data-testid="audit-row">
                  <td>{formatDateTime(entry.at)}</td>
                  <td>
                    {ACTOR_LABELS[entry.actor.kind]}: {entry.actor.id}
                  </td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td>{entry.setupId ?? entry.target ?? '—'}</td>
                  <td>{entry.details ? <code>{JSON.stringify(entry.details)}</code> : '—'}</td>
                </tr>
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

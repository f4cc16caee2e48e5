import { useState } from 'react';
import { Link, useRevalidator, useSearchParams } from 'react-router';
import { SetupStateSchema, type Setup, type SetupList, type SetupState } from '@kantiv/shared/setup';
import { consolePaths } from '../../../config/paths.ts';
import { useConsole } from '../hooks/use-console.ts';
import { useNow } from '../hooks/use-now.ts';
import { expiryText, formatDateTime, secretExpiryWarning, STATE_LABELS } from '../lib/format.ts';
import { setupListFilterFrom } from '../lib/list-filters.ts';
import { ATTENTION_LABELS } from '../lib/moments.ts';
import type { Loaded } from '../lib/loaded.ts';
import { DataTable } from './data-table.tsx';
import { ErrorMessage } from './error-message.tsx';
import { StateBadge } from './state-badge.tsx';

const STATES = SetupStateSchema.options;

/** Every setup: counts per state, filter, search, sort by last activity, pagination. Filters live in the URL. */
export function SetupsListPage({ list }: { list: Loaded<SetupList> }) {
  const { session } = useConsole();
  const revalidator = useRevalidator();
  const [params, setParams] = useSearchParams();
  const { state, q = '', attention, cursor } = setupListFilterFrom(params);
  // Cursors of the pages before this one, so "Previous" works without the server knowing about it.
  const previous = params.getAll('prev');
  const [search, setSearch] = useState(q);
  const now = useNow();

  function update(next: { state?: SetupState | ''; q?: string; attention?: boolean }) {
    const p = new URLSearchParams();
    const s = next.state === undefined ? state : next.state || undefined;
    const query = next.q ?? q;
    const needed = next.attention ?? (next.state === undefined && attention === 'needed');
    if (s) p.set('state', s);
    if (needed) p.set('attention', 'needed');
    if (query) p.set('q', query);
    setParams(p);
  }

  function goTo(nextCursor: string | undefined, prev: string[]) {
    const p = new URLSearchParams(params);
    p.delete('cursor');
    p.delete('prev');
    if (nextCursor) p.set('cursor', nextCursor);
    for (const c of prev) p.append('prev', c);
    setParams(p);
  }

  // The server pages by last activity, newest first (a keyset cursor), so the order holds across pages.
  const items: Setup[] = list.kind === 'ready' ? list.data.items : [];
  const total = list.kind === 'ready' ? Object.values(list.data.counts).reduce((n, c) => n + c, 0) : 0;

  return (
    <>
      <div className="c-page-title">
        <h1>Setups</h1>
        {session.access.canManage ? (
          <Link className="c-button c-primary" to={consolePaths.newSetup}>
            New setup
          </Link>
        ) : (
          <span className="c-hint">Read-only access: you cannot create setups.</span>
        )}
      </div>

      <section aria-labelledby="counts-heading">
        <h2 id="counts-heading" className="visually-hidden">
          Setups per state
        </h2>
        <ul className="c-counts">
          <li>
            <button
              type="button"
              aria-pressed={!state && !attention}
              onClick={() => update({ state: '', attention: false })}
            >
              All <span data-testid="count-all">{list.kind === 'ready' ? total : '…'}</span>
            </button>
          </li>
          <li>
            <button
              type="button"
              className="c-count-attention"
              aria-pressed={attention === 'needed' && !state}
              onClick={() => update({ state: '', attention: true })}
            >
              Needs attention{' '}
              <span data-testid="count-attention">
                {list.kind === 'ready' ? list.data.needsAttention : '…'}
              </span>
            </button>
          </li>
          {STATES.map((s) => (
            <li key={s}>
              <button type="button" aria-pressed={state === s} onClick={() => update({ state: s })}>
                {STATE_LABELS[s]}{' '}
                <span data-testid={`count-${s}`}>
                  {list.kind === 'ready' ? (list.data.counts[s] ?? 0) : '…'}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </section>

      <form
        className="c-filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          update({ q: search.trim() });
        }}
      >
        <label>
          Customer, tenant, domain, setup id or environment
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <button type="submit">Search</button>
        <label>
          State
          <select value={state ?? ''} onChange={(e) => update({ state: e.target.value as SetupState | '' })}>
            <option value="">All states</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {STATE_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
      </form>

      {list.kind === 'error' && (
        <>
          <ErrorMessage message={list.message} />
          <button type="button" onClick={() => void revalidator.revalidate()}>
            Try again
          </button>
        </>
      )}
      {list.kind === 'ready' && (
        <>
          {items.length === 0 ? (
            <p>No setup matches these filters.</p>
          ) : (
            <DataTable
              caption="Setups, most recent activity first"
              columns={[
                'Customer',
                'State',
                'Tenant',
                'Environment',
                { label: 'Last activity (newest first)', sort: 'descending' },
                'Secret expiry',
                'Health',
              ]}
            >
              {items.map((setup) => {
                const warning = secretExpiryWarning(setup.secretExpiresAt, now);
                return (
                  <tr key={setup.id} data-testid="setup-row">
                    <td>
                      <Link to={consolePaths.setup(setup.id)}>{setup.customerName}</Link>
                    </td>
                    <td>
                      <StateBadge state={setup.state} />
                      {setup.attention && (
                        <span className="c-hint" data-testid="row-attention">
                          ⚠ {ATTENTION_LABELS[setup.attention.kind]}
                        </span>
                      )}
                    </td>
                    <td>{setup.tenantDomain ?? setup.expectedTenantDomain ?? '—'}</td>
                    <td>{setup.environmentUrl ?? setup.environmentHint ?? '—'}</td>
                    <td>{formatDateTime(setup.updatedAt)}</td>
                    <td>
                      {warning ? (
                        <span className={`c-warning c-warning-${warning.level}`}>
                          ⚠ {expiryText(warning)}
                        </span>
                      ) : (
                        formatDateTime(setup.secretExpiresAt)
                      )}
                    </td>
                    <td data-testid="row-health">{setup.health?.health ?? '—'}</td>
                  </tr>
                );
              })}
            </DataTable>
          )}
          <nav className="c-pager" aria-label="Pages">
            <button
              type="button"
              disabled={!cursor}
              onClick={() => {
                const prev = [...previous];
                const back = prev.pop();
                goTo(back || undefined, prev);
              }}
            >
              Previous page
            </button>
            <button
              type="button"
              disabled={!list.data.nextCursor}
              onClick={() => goTo(list.data.nextCursor, [...previous, cursor ?? ''])}
            >
              Next page
            </button>
          </nav>
        </>
      )}
    </>
  );
}

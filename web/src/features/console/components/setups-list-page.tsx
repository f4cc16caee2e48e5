import { useState } from 'react';
import { Link, useRevalidator, useSearchParams } from 'react-router';
import { SetupStateSchema, type SetupList, type SetupSort, type SetupState } from '@kantiv/shared/setup';
import { consolePaths } from '../../../config/paths.ts';
import { useConsole } from '../hooks/use-console.ts';
import { useNow } from '../hooks/use-now.ts';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { STATE_LABELS } from '../lib/format.ts';
import { EXPIRES_WITHIN_CHOICES } from '../lib/credential-text.ts';
import { SETUPS_PAGE_SIZE, setupListFilterFrom } from '../lib/list-filters.ts';
import type { Loaded } from '../lib/loaded.ts';
import { ErrorMessage } from './error-message.tsx';
import { ExportCsvButton } from './export-csv-button.tsx';
import { SETUP_COLUMNS } from './setup-columns.tsx';
import { SetupsTable } from './setups-table.tsx';

const STATES = SetupStateSchema.options;
const SORTABLE = SETUP_COLUMNS.filter((c) => c.sort);

/** Every setup: counts per state, filter, search, sort by any column, pages, CSV. Filters live in the URL. */
export function SetupsListPage({ list }: { list: Loaded<SetupList> }) {
  usePageTitle('Setups');
  const { session } = useConsole();
  const revalidator = useRevalidator();
  const [params, setParams] = useSearchParams();
  const filter = setupListFilterFrom(params);
  const { state, q = '', attention, expiresWithinDays, cursor, sort = 'updated', order = 'desc' } = filter;
  // Cursors of the pages before this one, so "Previous" works without the server knowing about it.
  const previous = params.getAll('prev');
  const [search, setSearch] = useState(q);
  const now = useNow();

  function update(next: {
    state?: SetupState | '';
    q?: string;
    attention?: boolean;
    sort?: SetupSort;
    order?: 'asc' | 'desc';
    within?: number | '';
  }) {
    const p = new URLSearchParams();
    const s = next.state === undefined ? state : next.state || undefined;
    const query = next.q ?? q;
    const needed = next.attention ?? (next.state === undefined && attention === 'needed');
    const by = next.sort ?? sort;
    const direction = next.order ?? order;
    if (s) p.set('state', s);
    if (needed) p.set('attention', 'needed');
    if (query) p.set('q', query);
    const within = next.within === undefined ? expiresWithinDays : next.within || undefined;
    if (within) p.set('expiresWithinDays', String(within));
    // The default order stays out of the URL (shorter links, and old links keep their meaning).
    if (by !== 'updated' || direction !== 'desc') {
      p.set('sort', by);
      p.set('order', direction);
    }
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

  // The server pages in the chosen order (a keyset cursor), so the order holds across pages.
  const items = list.kind === 'ready' ? list.data.items : [];
  const total = list.kind === 'ready' ? Object.values(list.data.counts).reduce((n, c) => n + c, 0) : 0;
  const pages = list.kind === 'ready' ? Math.max(1, Math.ceil(list.data.total / SETUPS_PAGE_SIZE)) : 1;

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
        <label>
          Sort by
          <select value={sort} onChange={(e) => update({ sort: e.target.value as SetupSort })}>
            {SORTABLE.map((c) => (
              <option key={c.id} value={c.sort}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Order
          <select value={order} onChange={(e) => update({ order: e.target.value as 'asc' | 'desc' })}>
            <option value="asc">Ascending (A–Z, oldest first)</option>
            <option value="desc">Descending (Z–A, newest first)</option>
          </select>
        </label>
        <label>
          Credential expires within
          <select
            value={expiresWithinDays ?? ''}
            onChange={(e) => update({ within: e.target.value === '' ? '' : Number(e.target.value) })}
          >
            <option value="">Any time</option>
            {EXPIRES_WITHIN_CHOICES.map((d) => (
              <option key={d} value={d}>
                {d} days
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
          <ExportCsvButton filter={filter} />
          {items.length === 0 ? (
            <p>No setup matches these filters.</p>
          ) : (
            <SetupsTable
              items={items}
              now={now}
              sort={sort}
              order={order}
              onSort={(by, direction) => update({ sort: by, order: direction })}
            />
          )}
          <nav className="c-pager" aria-label="Pages">
            <p data-testid="page-count">
              {/* Each earlier page left its cursor in `prev` (the first page's is empty). */}
              Page {previous.length + 1} of {pages} · {list.data.total}{' '}
              {list.data.total === 1 ? 'setup' : 'setups'}
            </p>
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

import type { Setup, SetupSort } from '@kantiv/shared/setup';
import { SETUP_COLUMNS } from './setup-columns.tsx';

/**
 * The setups as a table on wide screens and as cards on narrow ones (each cell labelled by its column, so every
 * column stays reachable at 390 px without scrolling sideways). Sortable headings are buttons.
 */
export function SetupsTable({
  items,
  now,
  sort,
  order,
  onSort,
}: {
  items: Setup[];
  now: number;
  sort: SetupSort;
  order: 'asc' | 'desc';
  onSort: (sort: SetupSort, order: 'asc' | 'desc') => void;
}) {
  const current = SETUP_COLUMNS.find((c) => c.sort === sort);
  return (
    <div className="c-table-wrap c-cards">
      <table>
        <caption className="visually-hidden">
          Setups, sorted by {current?.label ?? sort}, {order === 'asc' ? 'ascending' : 'descending'}
        </caption>
        <thead>
          <tr>
            {SETUP_COLUMNS.map((c) => {
              const active = c.sort !== undefined && c.sort === sort;
              return (
                <th
                  key={c.id}
                  scope="col"
                  aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : undefined}
                >
                  {c.sort ? (
                    <button
                      type="button"
                      className="c-sort"
                      onClick={() => onSort(c.sort as SetupSort, active && order === 'asc' ? 'desc' : 'asc')}
                    >
                      {c.label}
                      <span aria-hidden="true">{active ? (order === 'asc' ? ' ▲' : ' ▼') : ''}</span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {items.map((setup) => (
            <tr key={setup.id} data-testid="setup-row">
              {SETUP_COLUMNS.map((c) => (
                <td key={c.id} data-label={c.label}>
                  {c.cell(setup, now)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

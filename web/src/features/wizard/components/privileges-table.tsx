import type { TablePermission } from '@kantiv/shared/manifest';

const DEPTH_WORDS: Record<TablePermission['depth'], string> = {
  Basic: 'own records',
  Local: 'business unit',
  Deep: 'business unit and below',
  Global: 'whole organisation',
};

/** The table privileges of Kantiv's manifest: what the least-privilege role holds and nothing more. */
export function PrivilegesTable({ tables, caption }: { tables: TablePermission[]; caption: string }) {
  return (
    <div className="table-scroll" role="region" aria-label={caption} tabIndex={0}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Table</th>
            <th scope="col">Access</th>
            <th scope="col">Scope</th>
          </tr>
        </thead>
        <tbody>
          {tables.map((t) => (
            <tr key={t.table}>
              <th scope="row">
                {t.displayName} <span className="muted">({t.table})</span>
              </th>
              <td>{t.access.join(', ')}</td>
              <td>{DEPTH_WORDS[t.depth]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

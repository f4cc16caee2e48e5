import type { TablePermission } from '@kantiv/shared/manifest';
import { ACCESS_LEVEL_WORDS, ACCESS_WORDS } from '../lib/privilege-words.ts';

/** The table privileges of Kantiv's manifest, in the words of the admin center's security role editor. */
export function PrivilegesTable({ tables, caption }: { tables: TablePermission[]; caption: string }) {
  return (
    <div className="table-scroll" role="region" aria-label={caption} tabIndex={0}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Table</th>
            <th scope="col">Privileges</th>
            <th scope="col">Access level</th>
          </tr>
        </thead>
        <tbody>
          {tables.map((t) => (
            <tr key={t.table}>
              <th scope="row">
                {t.displayName} <span className="muted">({t.table})</span>
              </th>
              <td>{t.access.map((a) => ACCESS_WORDS[a]).join(', ')}</td>
              <td>{ACCESS_LEVEL_WORDS[t.depth]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

import { useTranslation } from 'react-i18next';
import type { TablePermission } from '@kantiv/shared/manifest';

/** The table privileges of Kantiv's manifest, in the words of the admin center's security role editor. */
export function PrivilegesTable({ tables, caption }: { tables: TablePermission[]; caption: string }) {
  const { t, i18n } = useTranslation();
  const list = new Intl.ListFormat(i18n.language, { style: 'narrow', type: 'unit' });
  return (
    <div className="table-scroll" role="region" aria-label={caption} tabIndex={0}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('role.table')}</th>
            <th scope="col">{t('role.privileges')}</th>
            <th scope="col">{t('role.level')}</th>
          </tr>
        </thead>
        <tbody>
          {tables.map((table) => (
            <tr key={table.table}>
              <th scope="row">
                <span translate="no">{table.displayName}</span>{' '}
                <span className="muted" translate="no">
                  ({table.table})
                </span>
              </th>
              <td>{list.format(table.access.map((a) => t(`access.${a}`)))}</td>
              <td>{t(`depth.${table.depth}`)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

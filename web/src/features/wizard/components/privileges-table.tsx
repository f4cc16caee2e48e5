import { useTranslation } from 'react-i18next';
import type { TablePermission } from '@kantiv/shared/manifest';
import type { PrivilegeInWords } from '../lib/privilege-words.ts';

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

/** Single privileges (a role's gap or its surplus), one row each: table, privilege, access level. */
export function PrivilegeList({
  rows,
  labelledBy,
  levelLabel,
}: {
  rows: PrivilegeInWords[];
  labelledBy: string;
  levelLabel: string;
}) {
  const { t } = useTranslation();
  return (
    <div className="table-scroll" role="region" aria-labelledby={labelledBy} tabIndex={0}>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('role.table')}</th>
            <th scope="col">{t('role.privilege')}</th>
            <th scope="col">{levelLabel}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => (
            <tr key={p.name}>
              <th scope="row" translate="no">
                {p.table}
              </th>
              <td>{p.access ? t(`access.${p.access}`) : ''}</td>
              <td>{p.depth ? t(`depth.${p.depth}`) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

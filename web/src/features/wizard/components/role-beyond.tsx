import { useTranslation } from 'react-i18next';
import type { PlanSummary } from '@kantiv/provisioning';
import { describeHeldPrivilege } from '../lib/privilege-words.ts';
import { PrivilegeList } from './privileges-table.tsx';

/**
 * What an existing role grants beyond Kantiv's manifest, read from the role itself (`RetrieveRolePrivilegesRole`):
 * the application user would hold all of it. Listed in the admin center's words, folded away because System
 * Administrator's list runs to hundreds of rows.
 */
export function RoleBeyond({ plan, roleName }: { plan: PlanSummary; roleName: string }) {
  const { t } = useTranslation();
  const rows = plan.privilegesBeyond
    .map((p) => describeHeldPrivilege(p, plan.privileges))
    .sort((a, b) => a.table.localeCompare(b.table) || a.name.localeCompare(b.name));
  if (rows.length === 0) {
    return (
      <p className="muted" data-testid="privileges-beyond">
        {t('role.beyondNone', { role: roleName })}
      </p>
    );
  }
  const tables = new Set(rows.filter((r) => r.access).map((r) => r.table)).size;
  return (
    <section aria-labelledby="beyond-title" data-testid="privileges-beyond">
      <h2 id="beyond-title">{t('role.beyondTitle', { role: roleName })}</h2>
      <p>{t('role.beyondBody', { privileges: rows.length, tables })}</p>
      <details>
        <summary>{t('role.beyondShow')}</summary>
        <PrivilegeList rows={rows} labelledBy="beyond-title" levelLabel={t('role.levelHeld')} />
      </details>
    </section>
  );
}

import { Trans, useTranslation } from 'react-i18next';
import type { PlanSummary, RoleChoice as Role } from '@kantiv/provisioning';
import { DATAVERSE_ROLE } from '../lib/naming.ts';
import { describePrivilege, isSystemAdministrator } from '../lib/privilege-words.ts';
import { PrivilegeList, PrivilegesTable } from './privileges-table.tsx';
import { RoleBeyond } from './role-beyond.tsx';
import { RadioChoice } from './radio-choice.tsx';

/**
 * Which security role the application user gets. Kantiv's own role is the recommended one: it holds exactly the
 * manifest. An existing role is never called least-privilege; System Administrator is said to be far broader.
 */
export function RoleChoice({
  plan,
  busy,
  onChange,
}: {
  plan: PlanSummary;
  busy: boolean;
  onChange: (role: Role) => void;
}) {
  const { t } = useTranslation();
  const role = plan.choices.role;
  // Offered first when the admin switches to an existing role: anything but the role that can do everything.
  const firstExisting = plan.roles.find((r) => !isSystemAdministrator(r.name)) ?? plan.roles[0];
  return (
    <fieldset>
      <legend>{t('role.legend')}</legend>
      <RadioChoice
        id="role-create"
        name="role"
        checked={role.kind === 'create'}
        disabled={busy}
        onChange={() => onChange({ kind: 'create' })}
        label={
          <Trans
            i18nKey="role.own"
            values={{ role: plan.roleName }}
            components={{ name: <strong translate="no" /> }}
          />
        }
      />
      <RadioChoice
        id="role-existing"
        name="role"
        checked={role.kind === 'existing'}
        disabled={busy || !firstExisting}
        onChange={() => {
          if (firstExisting)
            onChange({ kind: 'existing', roleId: firstExisting.roleId, roleName: firstExisting.name });
        }}
        label={t('role.existing')}
      />
      {role.kind === 'existing' && (
        <div className="field">
          <label htmlFor="existing-role">{t('role.existingLabel')}</label>
          <select
            id="existing-role"
            value={role.roleId}
            disabled={busy}
            aria-describedby="existing-role-note"
            onChange={(e) => {
              const picked = plan.roles.find((r) => r.roleId === e.target.value);
              if (picked) onChange({ kind: 'existing', roleId: picked.roleId, roleName: picked.name });
            }}
          >
            {plan.roles.map((r) => (
              <option key={r.roleId} value={r.roleId}>
                {isSystemAdministrator(r.name) ? t('role.broader', { role: r.name }) : r.name}
              </option>
            ))}
          </select>
          <p id="existing-role-note" className={isSystemAdministrator(role.roleName) ? 'warn' : 'muted'}>
            {isSystemAdministrator(role.roleName)
              ? t('role.sysAdminNote', { sysAdmin: DATAVERSE_ROLE })
              : t('role.existingNote')}
          </p>
        </div>
      )}
    </fieldset>
  );
}

/** What the chosen role holds or lacks, table by table, in the admin center's words. */
export function RolePrivileges({ plan }: { plan: PlanSummary }) {
  const { t } = useTranslation();
  const role = plan.choices.role;
  if (role.kind === 'create') {
    return <PrivilegesTable tables={plan.privileges} caption={t('role.willHold', { role: plan.roleName })} />;
  }
  if (plan.missingPrivileges.length === 0) {
    return (
      <>
        <p className="notice notice--ok">
          {isSystemAdministrator(role.roleName)
            ? t('role.holdsAllAndMore', { role: role.roleName })
            : t('role.holdsAll', { role: role.roleName })}
        </p>
        <RoleBeyond plan={plan} roleName={role.roleName} />
      </>
    );
  }
  return (
    <>
      <MissingPrivileges plan={plan} roleName={role.roleName} />
      <RoleBeyond plan={plan} roleName={role.roleName} />
    </>
  );
}

function MissingPrivileges({ plan, roleName }: { plan: PlanSummary; roleName: string }) {
  const { t } = useTranslation();
  const missing = plan.missingPrivileges.map((p) => describePrivilege(p, plan.privileges));
  return (
    <section className="notice notice--warn" aria-labelledby="missing-title" data-testid="missing-privileges">
      <h2 id="missing-title">{t('role.lacksTitle', { role: roleName })}</h2>
      <p>{t('role.lacksBody')}</p>
      <PrivilegeList rows={missing} labelledBy="missing-title" levelLabel={t('role.levelNeeded')} />
    </section>
  );
}

import type { PlanSummary, RoleChoice as Role } from '@kantiv/provisioning';
import { describePrivilege, isSystemAdministrator } from '../lib/privilege-words.ts';
import { PrivilegesTable } from './privileges-table.tsx';
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
  const role = plan.choices.role;
  // Offered first when the admin switches to an existing role: anything but the role that can do everything.
  const firstExisting = plan.roles.find((r) => !isSystemAdministrator(r.name)) ?? plan.roles[0];
  return (
    <fieldset>
      <legend>Security role for the application user</legend>
      <RadioChoice
        id="role-create"
        name="role"
        checked={role.kind === 'create'}
        disabled={busy}
        onChange={() => onChange({ kind: 'create' })}
        label={
          <>
            Kantiv&rsquo;s own role <strong>{plan.roleName}</strong>, holding only what Kantiv needs
            (recommended)
          </>
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
        label="An existing role of this environment (it may grant more than Kantiv needs)"
      />
      {role.kind === 'existing' && (
        <div className="field">
          <label htmlFor="existing-role">Existing role</label>
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
                {isSystemAdministrator(r.name) ? `${r.name} (far broader than needed)` : r.name}
              </option>
            ))}
          </select>
          <p id="existing-role-note" className={isSystemAdministrator(role.roleName) ? 'warn' : 'muted'}>
            {isSystemAdministrator(role.roleName)
              ? 'System Administrator grants full access to every table and setting of this environment: far more than Kantiv needs. Kantiv’s own role is the recommended choice.'
              : 'An existing role keeps whatever else it grants; Kantiv only checks that it holds the privileges below.'}
          </p>
        </div>
      )}
    </fieldset>
  );
}

/** What the chosen role holds or lacks, table by table, in the admin center's words. */
export function RolePrivileges({ plan }: { plan: PlanSummary }) {
  const role = plan.choices.role;
  if (role.kind === 'create') {
    return (
      <PrivilegesTable
        tables={plan.privileges}
        caption={`Table privileges the role “${plan.roleName}” will hold`}
      />
    );
  }
  if (plan.missingPrivileges.length === 0) {
    return (
      <p className="notice notice--ok">
        “{role.roleName}” holds every privilege Kantiv needs
        {isSystemAdministrator(role.roleName) ? ', and far more.' : '.'}
      </p>
    );
  }
  const missing = plan.missingPrivileges.map((p) => describePrivilege(p, plan.privileges));
  return (
    <section className="notice notice--warn" aria-labelledby="missing-title" data-testid="missing-privileges">
      <h2 id="missing-title">“{role.roleName}” lacks what Kantiv needs</h2>
      <p>
        The connection would fail without these privileges. Add them to the role in the Power Platform admin
        center (Settings → Users + permissions → Security roles), or use Kantiv&rsquo;s own role.
      </p>
      <div className="table-scroll" role="region" aria-labelledby="missing-title" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col">Privilege</th>
              <th scope="col">Access level needed</th>
            </tr>
          </thead>
          <tbody>
            {missing.map((p) => (
              <tr key={p.name}>
                <th scope="row">{p.table}</th>
                <td>{p.privilege}</td>
                <td>{p.level ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

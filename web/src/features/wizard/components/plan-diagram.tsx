import type { PlanSummary } from '@kantiv/provisioning';
import './plan-diagram.css';

/**
 * What exists after the run, as a chain the admin can take in at a glance: tenant → app registration → application
 * user → security role → tables. It is an ordered list, so screen readers read the same chain in order.
 */
export function PlanDiagram({ plan, tenant }: { plan: PlanSummary; tenant: string | undefined }) {
  const role = plan.choices.role.kind === 'existing' ? plan.choices.role.roleName : plan.roleName;
  const tables = plan.privileges.map((t) => t.displayName);
  const nodes = [
    { kind: 'Your Microsoft Entra tenant', name: tenant ?? '' },
    { kind: 'App registration', name: plan.appName },
    { kind: `Application user in ${plan.choices.environment.name}`, name: plan.appName },
    { kind: 'Security role', name: role },
    {
      kind: tables.length === 1 ? 'Table' : `${tables.length} tables`,
      name: new Intl.ListFormat('en', { style: 'short', type: 'conjunction' }).format(tables),
    },
  ];
  return (
    <figure className="plan-diagram" data-testid="plan-diagram">
      <figcaption>What your tenant and environment will hold afterwards</figcaption>
      <ol>
        {nodes.map((n) => (
          <li key={n.kind}>
            <span className="plan-diagram__kind">{n.kind}</span>
            {n.name && <span className="plan-diagram__name">{n.name}</span>}
          </li>
        ))}
      </ol>
    </figure>
  );
}

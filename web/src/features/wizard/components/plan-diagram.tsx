import { useTranslation } from 'react-i18next';
import type { PlanSummary } from '@kantiv/provisioning';
import './plan-diagram.css';

/**
 * What exists after the run, as a chain the admin can take in at a glance: tenant → app registration → application
 * user → security role → tables. It is an ordered list, so screen readers read the same chain in order.
 */
export function PlanDiagram({ plan, tenant }: { plan: PlanSummary; tenant: string | undefined }) {
  const { t, i18n } = useTranslation();
  const role = plan.choices.role.kind === 'existing' ? plan.choices.role.roleName : plan.roleName;
  const tables = plan.privileges.map((t) => t.displayName);
  const nodes = [
    { id: 'tenant', kind: t('diagram.tenant'), name: tenant ?? '' },
    { id: 'app', kind: t('diagram.app'), name: plan.appName },
    {
      id: 'user',
      kind: t('diagram.user', { environment: plan.choices.environment.name }),
      name: plan.appName,
    },
    { id: 'role', kind: t('diagram.role'), name: role },
    {
      id: 'tables',
      kind: t('diagram.tables', { count: tables.length }),
      name: new Intl.ListFormat(i18n.language, { style: 'short', type: 'conjunction' }).format(tables),
    },
  ];
  return (
    <figure className="plan-diagram" data-testid="plan-diagram">
      <figcaption>{t('diagram.caption')}</figcaption>
      <ol>
        {nodes.map((n) => (
          <li key={n.id}>
            <span className="plan-diagram__kind">{n.kind}</span>
            {n.name && (
              <span className="plan-diagram__name" translate="no">
                {n.name}
              </span>
            )}
          </li>
        ))}
      </ol>
    </figure>
  );
}

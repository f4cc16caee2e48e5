import { useTranslation } from 'react-i18next';
import type { TenantRemoval } from '@kantiv/shared/disconnect';
import type { DisconnectPlan } from '@kantiv/provisioning';

/** What a disconnect will remove, one line per object Kantiv created (or why it stays). */
export function DisconnectPlanList({
  plan,
  environment,
}: {
  plan: DisconnectPlan | undefined;
  environment: string;
}) {
  const { t } = useTranslation();
  const user = plan?.applicationUser;
  const role = plan?.securityRole;
  const app = plan?.application;
  return (
    <ul data-testid="disconnect-plan">
      <li data-testid="plan-application-user">
        {user
          ? t('disconnect.plan.userRemove', { name: user.name ?? user.id, environment })
          : t('disconnect.plan.userAbsent', { environment })}
      </li>
      <li data-testid="plan-security-role">
        {role
          ? role.ours
            ? t('disconnect.plan.roleRemove', { name: role.name })
            : t('disconnect.plan.roleNotOurs', { name: role.name })
          : t('disconnect.plan.roleAbsent')}
      </li>
      <li data-testid="plan-app-registration">
        {app
          ? app.shared
            ? t('disconnect.plan.appShared', { name: app.displayName ?? app.appId })
            : t('disconnect.plan.appRemove', { name: app.displayName ?? app.appId })
          : t('disconnect.plan.appAbsent')}
      </li>
    </ul>
  );
}

/** What the disconnect did. */
export function DisconnectResultList({ removed }: { removed: TenantRemoval }) {
  const { t } = useTranslation();
  return (
    <ul data-testid="disconnect-result">
      <li>{t(`disconnect.result.applicationUser.${removed.applicationUser}`)}</li>
      <li>{t(`disconnect.result.securityRole.${removed.securityRole}`)}</li>
      <li>{t(`disconnect.result.appRegistration.${removed.appRegistration}`)}</li>
    </ul>
  );
}

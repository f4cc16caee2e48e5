import { Trans, useTranslation } from 'react-i18next';
import { useRevalidator } from 'react-router';
import { BlockerList } from './blocker-list.tsx';
import { AwaitedStep } from './awaited-step.tsx';
import { BlockerWayOut } from './blocker-way-out.tsx';
import { EnvironmentChoices } from './environment-choices.tsx';
import type { DiscoverySummary } from '@kantiv/provisioning';

/** Discovery streams in: the heading shows at once, the checks and environments when Microsoft has answered. */
export function EnvironmentPage({ discovery }: { discovery: Promise<DiscoverySummary> | undefined }) {
  const { t } = useTranslation();
  return (
    <AwaitedStep
      title={t('environment.title')}
      waiting={t('environment.waiting')}
      resolve={discovery}
      failed={<DiscoveryFailed />}
    >
      {(d) => <EnvironmentForm discovery={d} />}
    </AwaitedStep>
  );
}

function DiscoveryFailed() {
  const { t } = useTranslation();
  return (
    <div className="notice notice--error" role="alert">
      <p>{t('environment.failed')}</p>
    </div>
  );
}

/**
 * Microsoft wants the admin to sign in again before Dynamics 365 answers (typically Conditional Access asking for
 * multi-factor authentication for it), and the browser blocked the window because no click opened it. A click
 * here lists the environments again; MSAL opens the window from that click, which popup blockers allow.
 */
function SignInAgain() {
  const { t } = useTranslation();
  const revalidator = useRevalidator();
  const busy = revalidator.state === 'loading';
  return (
    <div className="notice notice--warn" role="alert" data-testid="sign-in-again">
      <p>{t('environment.signInAgain')}</p>
      <button type="button" onClick={() => void revalidator.revalidate()} disabled={busy}>
        {busy ? t('common.waitingForMicrosoft') : t('environment.signInAgainButton')}
      </button>
    </div>
  );
}

function EnvironmentForm({ discovery }: { discovery: DiscoverySummary }) {
  const { t } = useTranslation();
  return (
    <>
      <BlockerList blockers={discovery.blockers} title={t('environment.blockersTitle')} />
      {discovery.blockers.length > 0 && <BlockerWayOut />}
      {discovery.blockers.length === 0 && (
        <p className="notice notice--ok" data-testid="preflight-ok">
          <Trans
            i18nKey="environment.signedInAs"
            values={{ username: discovery.username, tenant: discovery.tenantId }}
            components={{ name: <strong translate="no" />, code: <code translate="no" /> }}
          />
        </p>
      )}
      {discovery.signInBlocked ? (
        <SignInAgain />
      ) : (
        discovery.environmentsError && (
          <div className="notice notice--warn">
            <p>{t('environment.listFailed')}</p>
            <p className="muted">
              {t('common.microsoftSaid')} <span lang="en">{discovery.environmentsError}</span>
            </p>
          </div>
        )
      )}
      <EnvironmentChoices discovery={discovery} />
    </>
  );
}

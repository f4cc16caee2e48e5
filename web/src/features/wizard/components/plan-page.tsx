import { Trans, useTranslation } from 'react-i18next';
import { Link, useNavigate, useRevalidator } from 'react-router';
import { paths } from '../../../config/paths.ts';
import { BlockerList } from './blocker-list.tsx';
import { FollowUpNotice } from './follow-up-notice.tsx';
import { CredentialChoice } from './credential-choice.tsx';
import { PlanDiagram } from './plan-diagram.tsx';
import { RoleChoice, RolePrivileges } from './role-choice.tsx';
import type { PlanSummary } from '@kantiv/provisioning';
import { planItemWords } from '../lib/plan-words.ts';
import { useWizard } from '../hooks/use-wizard.ts';
import { saveChoices } from '../lib/wizard-memory.ts';
import { startRun } from '../lib/start-run.ts';
import { getRunSession, runHistory } from '../stores/run-store.ts';
import { AwaitedStep } from './awaited-step.tsx';

/** The plan streams in: what the run will create, reuse or change, and the choices that change it. */
export function PlanPage({ review }: { review: Promise<PlanSummary> | undefined }) {
  const { t } = useTranslation();
  return (
    <AwaitedStep title={t('plan.title')} waiting={t('plan.waiting')} resolve={review} failed={<PlanFailed />}>
      {(plan) => <PlanReview plan={plan} />}
    </AwaitedStep>
  );
}

function PlanFailed() {
  const { t } = useTranslation();
  const { setup } = useWizard();
  return (
    <div className="notice notice--error" role="alert">
      <p>{t('plan.failed')}</p>
      <p>
        <Link to={paths.setup.step(setup.id, 'environment')}>{t('common.chooseAnotherEnvironment')}</Link>
      </p>
    </div>
  );
}

function PlanReview({ plan }: { plan: PlanSummary }) {
  const { t, i18n } = useTranslation();
  const ctx = useWizard();
  const { setup, account } = ctx;
  const navigate = useNavigate();
  const revalidator = useRevalidator();
  const role = plan.choices.role;
  const busy = revalidator.state === 'loading';

  function change(patch: Parameters<typeof saveChoices>[1]) {
    saveChoices(setup.id, patch);
    void revalidator.revalidate();
  }

  return (
    <>
      <FollowUpNotice setup={setup} />
      <p className="lead">
        <Trans
          i18nKey="plan.lead"
          values={{ name: plan.choices.environment.name, url: plan.choices.environment.url }}
          components={{ name: <strong translate="no" />, code: <code translate="no" /> }}
        />
      </p>
      <PlanDiagram plan={plan} tenant={account?.username.split('@')[1] ?? setup.tenantId} />
      <ol className="plan" data-testid="plan-items">
        {plan.items.map((item) => {
          const words = planItemWords(item, plan, account?.username, t, (key) => i18n.exists(key));
          return (
            <li key={`${item.step}-${item.title}`}>
              <span className={`badge badge--${item.action}`}>{t(`plan.action.${item.action}`)}</span>{' '}
              <strong lang={words.lang}>{words.title}</strong>
              <br />
              <span className="muted" lang={words.detailLang}>
                {words.detail}
              </span>
            </li>
          );
        })}
      </ol>

      <form onSubmit={(e) => e.preventDefault()}>
        <CredentialChoice plan={plan} busy={busy} onChange={change} />

        <RoleChoice plan={plan} busy={busy} onChange={(r) => change({ role: r })} />
      </form>

      <RolePrivileges plan={plan} />

      <BlockerList blockers={plan.blockers} title={t('plan.blockersTitle')} />

      <p className="actions">
        <button
          type="button"
          className="button button--primary"
          disabled={
            busy ||
            plan.blockers.length > 0 ||
            (role.kind === 'existing' && plan.missingPrivileges.length > 0)
          }
          onClick={() => {
            const choices = saveChoices(setup.id, { runStarted: true });
            // Connect is the admin's go-ahead: it starts the run, also one that stopped or failed earlier (which
            // otherwise waits for "Run it again").
            startRun(getRunSession(setup.id, runHistory(setup)), { ...ctx, choices });
            void navigate(paths.setup.step(setup.id, 'run'));
          }}
        >
          {t('plan.connect')}
        </button>
        <Link to={paths.setup.step(setup.id, 'environment')}>{t('common.chooseAnotherEnvironment')}</Link>
      </p>
    </>
  );
}

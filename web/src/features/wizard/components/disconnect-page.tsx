import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TenantRemoval } from '@kantiv/shared/disconnect';
import type { DisconnectPlan } from '@kantiv/provisioning';
import { bindIdentity } from '../api/bind-identity.ts';
import { postDisconnect } from '../api/post-disconnect.ts';
import { useAdminSignIn } from '../hooks/use-admin-sign-in.ts';
import { useWizard } from '../hooks/use-wizard.ts';
import { bindProblem } from '../hooks/use-wizard-sign-in.ts';
import { createDisconnectRun } from '../lib/disconnect-adapter.ts';
import { signInProblemWords } from '../lib/problem-words.ts';
import { DisconnectPlanList, DisconnectResultList } from './disconnect-lists.tsx';

type Phase =
  | { kind: 'sign-in' }
  | { kind: 'planning' }
  | { kind: 'plan'; plan: DisconnectPlan | undefined }
  | { kind: 'applying'; plan: DisconnectPlan | undefined }
  | { kind: 'done'; removed: TenantRemoval; by: string }
  | { kind: 'failed'; plan: DisconnectPlan | undefined; message: string };

const NOTHING: TenantRemoval = {
  applicationUser: 'absent',
  securityRole: 'absent',
  appRegistration: 'absent',
};

/**
 * A disconnect link (decision 018): the admin signs in, sees what will be removed from the tenant, confirms; the
 * engine removes it and our server destroys the credential and records who did it.
 */
export function DisconnectPage() {
  const { t } = useTranslation();
  const { setup, config } = useWizard();
  const [phase, setPhase] = useState<Phase>({ kind: 'sign-in' });
  const [idToken, setIdToken] = useState<string>('');
  const run = useMemo(() => createDisconnectRun(config, setup), [config, setup]);

  async function loadPlan() {
    setPhase({ kind: 'planning' });
    try {
      setPhase({ kind: 'plan', plan: run ? await run.plan() : undefined });
    } catch (err) {
      setPhase({ kind: 'failed', plan: undefined, message: (err as Error).message });
    }
  }

  const { busy, problem, signIn } = useAdminSignIn({
    config,
    tenant: setup.tenantId ?? setup.expectedTenantDomain,
    nonce: setup.signInNonce,
    finishRedirect: true,
    onIdToken: async (token) => {
      try {
        // Kantiv checks the sign-in is of the setup's organization before anything is read or removed.
        await bindIdentity(token);
      } catch (err) {
        return bindProblem(err);
      }
      setIdToken(token);
      await loadPlan();
      return undefined;
    },
  });

  async function confirm(plan: DisconnectPlan | undefined) {
    setPhase({ kind: 'applying', plan });
    try {
      const removed = run ? (await run.apply()).removed : NOTHING;
      const done = await postDisconnect(idToken, removed);
      setPhase({ kind: 'done', removed, by: done.disconnectedBy });
    } catch (err) {
      setPhase({ kind: 'failed', plan, message: (err as Error).message });
    }
  }

  const environment = setup.environmentUrl ? new URL(setup.environmentUrl).host : '';
  if (phase.kind === 'done')
    return (
      <section data-testid="disconnect-done">
        <h1 tabIndex={-1}>{t('disconnect.doneTitle')}</h1>
        <p className="lead">{t('disconnect.doneBody', { username: phase.by })}</p>
        <DisconnectResultList removed={phase.removed} />
      </section>
    );
  return (
    <section data-testid="disconnect-page">
      <h1 tabIndex={-1}>{t('disconnect.title')}</h1>
      <p className="lead">{t('disconnect.lead', { customer: setup.customerName })}</p>
      {phase.kind === 'sign-in' && (
        <>
          {problem && (
            <div className="notice notice--error" role="alert" data-testid="sign-in-problem">
              <p lang={signInProblemWords(problem, t).lang}>{signInProblemWords(problem, t).text}</p>
            </div>
          )}
          <div className="actions">
            <button
              type="button"
              className="button button--primary"
              disabled={busy}
              onClick={() => void signIn()}
            >
              {busy ? t('common.waitingForMicrosoft') : t('common.signInWithMicrosoft')}
            </button>
          </div>
        </>
      )}
      {phase.kind === 'planning' && <p role="status">{t('disconnect.planning')}</p>}
      {(phase.kind === 'plan' || phase.kind === 'applying' || phase.kind === 'failed') && (
        <>
          <h2>{t('disconnect.planTitle')}</h2>
          <DisconnectPlanList plan={phase.plan} environment={environment} />
          <p>{t('disconnect.ourSide')}</p>
          {phase.kind === 'failed' && (
            <div className="notice notice--error" role="alert" data-testid="disconnect-failed">
              <p>{t('disconnect.failed')}</p>
              <p lang="en">{phase.message}</p>
            </div>
          )}
          <div className="actions">
            <button
              type="button"
              className="button button--primary"
              data-testid="disconnect-confirm"
              disabled={phase.kind === 'applying'}
              onClick={() => void confirm(phase.plan)}
            >
              {phase.kind === 'applying'
                ? t('disconnect.applying')
                : phase.kind === 'failed'
                  ? t('disconnect.retry')
                  : t('disconnect.confirm')}
            </button>
          </div>
        </>
      )}
    </section>
  );
}

import { useEffect, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { paths } from '../../../config/paths.ts';
import { StepList } from './step-list.tsx';
import { EngineExplanation } from './engine-explanation.tsx';
import { startRun } from '../lib/start-run.ts';
import { getRunSession, runHistory } from '../stores/run-store.ts';
import { useWizard } from '../hooks/use-wizard.ts';
import { forgetChoices, saveChoices } from '../lib/wizard-memory.ts';
import { planChoicesFrom } from '../lib/plan-choices.ts';

/** The run, live from the run store: each step as it happens, Cancel, Try again, and on to the summary. */
export function RunPage() {
  const { t } = useTranslation();
  const ctx = useWizard();
  const { setup } = ctx;
  const session = getRunSession(setup.id, runHistory(setup));
  const state = useSyncExternalStore(session.subscribe, session.getSnapshot);
  const navigate = useNavigate();
  const [now, setNow] = useState(() => Date.now());
  // Another tab or browser (a new link from support) holds no choices: the environment is chosen again first.
  const choicesKept = planChoicesFrom(setup, ctx.choices) !== undefined;
  const waitsForAdmin =
    state.status === 'failed' || state.status === 'cancelled' || (state.status === 'idle' && !choicesKept);
  const reopened = state.reopened === true || (state.status === 'idle' && !choicesKept);

  function runAgain() {
    if (choicesKept) {
      startRun(session, ctx);
      return;
    }
    saveChoices(setup.id, { rerun: true });
    void navigate(paths.setup.step(setup.id, 'environment'));
  }

  useEffect(() => {
    if (state.status !== 'running') return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [state.status]);

  // Closing the tab stops the run half-way (the admin's tokens live only here): the browser asks first.
  useEffect(() => {
    if (state.status !== 'running') return;
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [state.status]);

  useEffect(() => {
    if (state.status !== 'succeeded') return;
    forgetChoices(setup.id, 'rerun');
    void navigate(paths.setup.step(setup.id, 'done'));
  }, [state.status, navigate, setup.id]);

  return (
    <>
      <h1 tabIndex={-1}>{t('run.title', { customer: setup.customerName })}</h1>
      <p className="lead">
        {t('run.lead')}
        {state.resumed && ` ${t('run.resumed')}`}
      </p>
      <div role="status" className="visually-hidden">
        {state.status === 'running'
          ? t('run.running')
          : state.status === 'failed'
            ? t('run.stoppedStatus')
            : ''}
      </div>
      <StepList rows={state.rows} now={now} />

      {state.status === 'failed' && (
        <section
          className="notice notice--error"
          role="alert"
          aria-labelledby="run-failed-title"
          data-testid="run-failed"
        >
          <h2 id="run-failed-title">{t('run.failedTitle')}</h2>
          {state.error && <EngineExplanation error={state.error} />}
          {state.error?.code && <p className="muted">{t('common.code', { code: state.error.code })}</p>}
          <p>{t('run.nothingLost')}</p>
        </section>
      )}
      {(state.status === 'cancelled' || (state.status === 'idle' && reopened)) && (
        <p className="notice notice--warn" role="status" data-testid="run-stopped">
          {reopened ? t('run.reopenedStopped') : t('run.cancelled')}
        </p>
      )}

      <p className="actions">
        {state.status === 'running' && (
          <button type="button" className="button button--secondary" onClick={() => session.cancel()}>
            {t('run.cancel')}
          </button>
        )}
        {waitsForAdmin && (
          <>
            <button type="button" className="button button--primary" onClick={runAgain}>
              {reopened
                ? t('run.runAgain')
                : state.status === 'failed'
                  ? t('run.tryAgain')
                  : t('run.continue')}
            </button>
            <Link to={paths.setup.step(setup.id, 'plan')}>{t('run.changePlan')}</Link>
            <Link to={paths.setup.manual(setup.id)}>{t('run.byHand')}</Link>
          </>
        )}
      </p>
    </>
  );
}

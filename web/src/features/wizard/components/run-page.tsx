import { useEffect, useState, useSyncExternalStore } from 'react';
import { Link, useNavigate } from 'react-router';
import { paths } from '../../../config/paths.ts';
import { StepList } from './step-list.tsx';
import { startRun } from '../lib/start-run.ts';
import { getRunSession } from '../stores/run-store.ts';
import { useWizard } from '../hooks/use-wizard.ts';
import { forgetChoices } from '../lib/wizard-memory.ts';

/** The run, live from the run store: each step as it happens, Cancel, Try again, and on to the summary. */
export function RunPage() {
  const ctx = useWizard();
  const { setup } = ctx;
  const session = getRunSession(setup.id, setup.steps);
  const state = useSyncExternalStore(session.subscribe, session.getSnapshot);
  const navigate = useNavigate();
  const [now, setNow] = useState(() => Date.now());

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
      <h1 tabIndex={-1}>Connecting {setup.customerName} to Kantiv</h1>
      <p className="lead">
        Keep this page open. Each step is shown as it happens; when Microsoft is still copying a new object
        across its data centres, the step waits and tries again by itself.
        {state.resumed && ' Work finished earlier is found again and not repeated.'}
      </p>
      <div role="status" className="visually-hidden">
        {state.status === 'running' ? 'Setup running' : state.status === 'failed' ? 'Setup stopped' : ''}
      </div>
      <StepList rows={state.rows} now={now} />

      {state.status === 'failed' && (
        <section
          className="notice notice--error"
          role="alert"
          aria-labelledby="run-failed-title"
          data-testid="run-failed"
        >
          <h2 id="run-failed-title">The setup stopped</h2>
          <p>{state.error?.message}</p>
          {state.error?.fix && (
            <p>
              <span className="label">How to fix it: </span>
              {state.error.fix}
            </p>
          )}
          {state.error?.code && <p className="muted">Code: {state.error.code}</p>}
          <p>Nothing is lost: trying again continues where it stopped.</p>
        </section>
      )}
      {state.status === 'cancelled' && (
        <p className="notice notice--warn" role="status">
          Stopped. What was already created stays; continue whenever you are ready.
        </p>
      )}

      <p className="actions">
        {state.status === 'running' && (
          <button type="button" className="button button--secondary" onClick={() => session.cancel()}>
            Cancel
          </button>
        )}
        {(state.status === 'failed' || state.status === 'cancelled') && (
          <>
            <button type="button" className="button button--primary" onClick={() => startRun(session, ctx)}>
              {state.status === 'failed' ? 'Try again' : 'Continue'}
            </button>
            <Link to={paths.setup.step(setup.id, 'plan')}>Change the plan</Link>
            <Link to={paths.setup.manual(setup.id)}>Set it up by hand instead</Link>
          </>
        )}
      </p>
    </>
  );
}

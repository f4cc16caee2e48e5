import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { ClientConfig } from '@kantiv/shared/client-config';
import { paths, WIZARD_STEPS, type WizardStep } from '../../../config/paths.ts';

export const STEP_LABELS: Record<WizardStep, string> = {
  welcome: 'Welcome',
  'sign-in': 'Sign in',
  environment: 'Environment',
  plan: 'Review',
  run: 'Connect',
  done: 'Done',
};

type Props = {
  setupId: string;
  customerName: string;
  step: WizardStep | 'manual';
  firstIncomplete: WizardStep;
  support: ClientConfig['support'];
  children: ReactNode;
};

/** Page frame of every wizard step: who it is for, where the admin is, and whom to ask. */
export function WizardShell({ setupId, customerName, step, firstIncomplete, support, children }: Props) {
  const current = step === 'manual' ? -1 : WIZARD_STEPS.indexOf(step);
  const reachable = WIZARD_STEPS.indexOf(firstIncomplete);
  return (
    <div className="wizard">
      <a className="skip-link" href="#main">
        Skip to the step
      </a>
      <header className="wizard__header">
        <p className="brand">Kantiv Connect</p>
        <p className="muted">Setup for {customerName}</p>
      </header>
      {step !== 'manual' && (
        <nav aria-label="Setup progress" className="progress">
          <ol>
            {WIZARD_STEPS.map((s, i) => {
              const label = `${i + 1}. ${STEP_LABELS[s]}`;
              const done = i < current || (i < reachable && i !== current);
              return (
                <li
                  key={s}
                  className={i === current ? 'is-current' : done ? 'is-done' : ''}
                  aria-current={i === current ? 'step' : undefined}
                >
                  {i !== current && i <= reachable && firstIncomplete !== 'done' ? (
                    <Link to={paths.setup.step(setupId, s)}>{label}</Link>
                  ) : (
                    <span>{label}</span>
                  )}
                  {done && <span className="visually-hidden"> (completed)</span>}
                </li>
              );
            })}
          </ol>
        </nav>
      )}
      <main id="main" className="wizard__main" tabIndex={-1}>
        {children}
      </main>
      <footer className="wizard__footer">
        <p>
          Questions? Contact {support.name} at <a href={`mailto:${support.email}`}>{support.email}</a>.
        </p>
      </footer>
    </div>
  );
}

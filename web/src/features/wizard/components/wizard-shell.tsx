import type { ReactNode } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { ClientConfig } from '@kantiv/shared/client-config';
import { paths, WIZARD_STEPS, type WizardStep } from '../../../config/paths.ts';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { LanguageSwitch } from './language-switch.tsx';

type Props = {
  setupId: string;
  customerName: string;
  step: WizardStep | 'manual' | 'disconnect';
  firstIncomplete: WizardStep;
  support: ClientConfig['support'];
  children: ReactNode;
};

/** Page frame of every wizard step: who it is for, where the admin is, whom to ask, and the page's language. */
export function WizardShell({ setupId, customerName, step, firstIncomplete, support, children }: Props) {
  const { t } = useTranslation();
  usePageTitle(t(`steps.${step}`));
  const current = step === 'manual' || step === 'disconnect' ? -1 : WIZARD_STEPS.indexOf(step);
  const reachable = WIZARD_STEPS.indexOf(firstIncomplete);
  return (
    <div className="wizard">
      <a className="skip-link" href="#main">
        {t('shell.skip')}
      </a>
      <header className="wizard__header">
        <p className="brand" translate="no">
          Kantiv Connect
        </p>
        <p className="muted">
          <Trans
            i18nKey="shell.setupFor"
            values={{ customer: customerName }}
            components={{ name: <span translate="no" /> }}
          />
        </p>
        <LanguageSwitch />
      </header>
      {current >= 0 && (
        <nav aria-label={t('shell.progress')} className="progress">
          <ol>
            {WIZARD_STEPS.map((s, i) => {
              const label = `${i + 1}. ${t(`steps.${s}`)}`;
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
                  {done && <span className="visually-hidden"> {t('shell.completed')}</span>}
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
          <Trans
            i18nKey="shell.questions"
            values={{ name: support.name, email: support.email }}
            components={{ mail: <a href={`mailto:${support.email}`} translate="no" /> }}
          />
        </p>
      </footer>
    </div>
  );
}

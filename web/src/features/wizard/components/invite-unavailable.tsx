import { Trans, useTranslation } from 'react-i18next';
import type { ClientConfig } from '@kantiv/shared/client-config';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { LanguageSwitch } from './language-switch.tsx';
import type { UnavailableReason } from '../lib/load-wizard.ts';

/** Shown instead of the wizard when the invite cannot be used, always saying whom to contact. */
export function InviteUnavailable({
  reason,
  support,
}: {
  reason: UnavailableReason;
  support: ClientConfig['support'];
}) {
  const { t } = useTranslation();
  const title = t(`unavailable.${reason}.title`);
  usePageTitle(title);
  return (
    <div className="wizard">
      <header className="wizard__header">
        <p className="brand" translate="no">
          Kantiv Connect
        </p>
        <LanguageSwitch />
      </header>
      <main id="main" className="wizard__main" data-testid={`invite-${reason}`}>
        <h1>{title}</h1>
        <p>{t(`unavailable.${reason}.body`)}</p>
        <p>
          <Trans
            i18nKey="unavailable.contact"
            values={{ name: support.name, email: support.email }}
            components={{
              mail: (
                <a
                  href={`mailto:${support.email}?subject=${encodeURIComponent(t('unavailable.mailSubject'))}`}
                  translate="no"
                />
              ),
            }}
          />
        </p>
      </main>
    </div>
  );
}

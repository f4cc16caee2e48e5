import { Trans, useTranslation } from 'react-i18next';
import type { ClientConfig } from '@kantiv/shared/client-config';
import { StandalonePage } from './standalone-page.tsx';
import type { UnavailableReason } from '../lib/load-wizard.ts';

/** Shown instead of the wizard when the invite cannot be used, always saying whom to contact. */
export function InviteUnavailable({
  reason,
  support,
  runStarted,
}: {
  reason: UnavailableReason;
  support: ClientConfig['support'];
  runStarted?: boolean | undefined;
}) {
  const { t } = useTranslation();
  const title = t(`unavailable.${reason}.title`);
  return (
    <StandalonePage title={title} testId={`invite-${reason}`}>
      <p data-testid="unavailable-body">{t(bodyKey(reason, runStarted))}</p>
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
    </StandalonePage>
  );
}

/** An expired invite says what is true: nothing was created, or what a started run created stays in the tenant. */
function bodyKey(reason: UnavailableReason, runStarted: boolean | undefined): string {
  if (reason !== 'expired' || runStarted === undefined) return `unavailable.${reason}.body`;
  return runStarted ? 'unavailable.expired.bodyStarted' : 'unavailable.expired.bodyNotStarted';
}

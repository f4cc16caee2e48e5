import { useTranslation } from 'react-i18next';
import { isRouteErrorResponse, useRouteError } from 'react-router';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { ApiClientError } from '../../../lib/api-client.ts';

/** When a page cannot load (network down, server error): what happened and what to do, never a stack trace. */
export function WizardErrorBoundary() {
  const { t } = useTranslation();
  usePageTitle(t('error.title'));
  const error = useRouteError();
  // Our server's and the browser's own words are English; ours for a bare status are translated.
  const [message, lang] =
    error instanceof ApiClientError
      ? [error.message, 'en']
      : isRouteErrorResponse(error)
        ? [t('error.status', { status: error.status }), undefined]
        : error instanceof Error
          ? [error.message, 'en']
          : [t('error.unexpected'), undefined];
  return (
    <div className="wizard">
      <main id="main" className="wizard__main">
        <h1 tabIndex={-1}>{t('error.title')}</h1>
        <p role="alert" lang={lang}>
          {message}
        </p>
        <p>{t('error.nothingChanged')}</p>
        <p>
          <button type="button" className="button" onClick={() => window.location.reload()}>
            {t('error.reload')}
          </button>
        </p>
      </main>
    </div>
  );
}

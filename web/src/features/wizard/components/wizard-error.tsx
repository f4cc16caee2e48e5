import { isRouteErrorResponse, useRouteError } from 'react-router';
import { ApiClientError } from '../../../lib/api-client.ts';

/** When a page cannot load (network down, server error): what happened and what to do, never a stack trace. */
export function WizardErrorBoundary() {
  const error = useRouteError();
  const message =
    error instanceof ApiClientError
      ? error.message
      : isRouteErrorResponse(error)
        ? `The page answered ${error.status}.`
        : error instanceof Error
          ? error.message
          : 'Something unexpected happened.';
  return (
    <div className="wizard">
      <main id="main" className="wizard__main">
        <h1 tabIndex={-1}>This page could not load</h1>
        <p role="alert">{message}</p>
        <p>Nothing in your tenant was changed by this error. Reload the page to try again.</p>
        <p>
          <button type="button" className="button" onClick={() => window.location.reload()}>
            Reload
          </button>
        </p>
      </main>
    </div>
  );
}

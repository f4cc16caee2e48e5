import { useEffect, useState } from 'react';
import { HealthSchema, type Health } from '@kantiv/shared/health';
import { env } from '../../config/env.ts';
import { apiPaths } from '../../config/paths.ts';
import { ApiClientError, apiRequest } from '../../lib/api-client.ts';

type State = { kind: 'loading' } | { kind: 'ready'; health: Health } | { kind: 'error'; message: string };

export function HomeRoute() {
  const [state, setState] = useState<State>({ kind: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    apiRequest(env.apiBaseUrl, apiPaths.health, HealthSchema, { signal: controller.signal })
      .then((health) => setState({ kind: 'ready', health }))
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setState({
          kind: 'error',
          message: err instanceof ApiClientError ? err.message : 'Unexpected error.',
        });
      });
    return () => controller.abort();
  }, []);

  return (
    <main className="page">
      <h1>Kantiv Connect</h1>
      <p>
        Connect your Microsoft Dynamics 365 environment to Kantiv in about a minute. Open the invite link
        Kantiv sent you to begin.
      </p>
      <section aria-labelledby="status-heading" aria-live="polite">
        <h2 id="status-heading">Service status</h2>
        {state.kind === 'loading' && <p>Checking the service…</p>}
        {state.kind === 'ready' && (
          <p data-testid="service-status">
            Service status: {state.health.status} (version {state.health.version})
          </p>
        )}
        {state.kind === 'error' && <p role="alert">{state.message}</p>}
      </section>
    </main>
  );
}

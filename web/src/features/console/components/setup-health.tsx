import { useEffect, useState } from 'react';
import type { HealthHistory } from '@kantiv/shared/connection-health';
import type { Setup } from '@kantiv/shared/setup';
import { getSetupHealth } from '../api/get-setup-health.ts';
import { useConsole } from '../hooks/use-console.ts';
import { formatDateTime } from '../lib/format.ts';
import { SetupLinkButton } from './setup-link-button.tsx';

const LINK_TEXT = { renewal: 'Fixed by a renewal link', repair: 'Fixed by a repair link', none: '' } as const;

/** The scheduled health check's answer: health, the drift with its exact fix, and every change so far. */
export function SetupHealth({ setup, onChanged }: { setup: Setup; onChanged?: () => void }) {
  const { auth } = useConsole();
  const [history, setHistory] = useState<HealthHistory | undefined>();
  const h = setup.health;
  useEffect(() => {
    if (!h) return;
    let live = true;
    getSetupHealth(auth, setup.id)
      .then((answer) => live && setHistory(answer))
      .catch(() => live && setHistory(undefined));
    return () => {
      live = false;
    };
  }, [auth, setup.id, h?.since, h]);
  if (!h) return null;
  return (
    <section aria-labelledby="health-heading" className="c-panel" data-testid="setup-health">
      <h2 id="health-heading">Health</h2>
      <p>
        <strong data-testid="health-value">{h.health}</strong> since {formatDateTime(h.since)}, last checked{' '}
        {formatDateTime(h.lastCheckedAt)}
      </p>
      {h.cause && (
        <>
          <p data-testid="health-cause">
            {h.cause.message}
            {h.cause.microsoftCode ? ` (${h.cause.microsoftCode})` : ''}
          </p>
          <p data-testid="health-fix">
            <strong>Fix:</strong> {h.cause.fix} {LINK_TEXT[h.cause.link]}
          </p>
          {h.cause.link !== 'none' && (
            <SetupLinkButton
              setup={setup}
              purpose={h.cause.link === 'renewal' ? 'renew' : 'repair'}
              {...(onChanged ? { onChanged } : {})}
            />
          )}
        </>
      )}
      {history && history.items.length > 0 && (
        <>
          <h3>History</h3>
          <ul data-testid="health-history">
            {history.items.map((item) => (
              <li key={`${item.at}-${item.health}`}>
                {formatDateTime(item.at)}: {item.health}
                {item.cause ? ` — ${item.cause.code}` : ''}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

import { useState } from 'react';
import type { WebhookDelivery } from '@kantiv/shared/webhooks';
import { redeliverWebhook } from '../api/redeliver-webhook.ts';
import { useConsole } from '../hooks/use-console.ts';
import { formatDateTime } from '../lib/format.ts';
import { errorMessage, type Loaded } from '../lib/loaded.ts';
import { ActionButton } from './action-button.tsx';
import { DataTable } from './data-table.tsx';
import { ErrorMessage } from './error-message.tsx';

const STATUS_TEXT: Record<WebhookDelivery['status'], string> = {
  pending: 'Queued',
  succeeded: 'Delivered',
  failed: 'Failed',
};

/**
 * A subscription's recent deliveries with every attempt's outcome; a finished one can be sent again (same
 * `webhook-id`, so a receiver that already took it drops the copy). A paused subscription sends nothing.
 */
export function WebhookDeliveries({
  subscriptionId,
  headingId,
  paused,
  deliveries,
  onChanged,
}: {
  subscriptionId: string;
  headingId: string;
  paused: boolean;
  deliveries: Loaded<WebhookDelivery[]>;
  onChanged: (message: string) => void;
}) {
  const { auth } = useConsole();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (deliveries.kind === 'error') return <ErrorMessage message={deliveries.message} />;
  if (deliveries.data.length === 0) return <p>No delivery yet.</p>;

  async function redeliver(d: WebhookDelivery) {
    setBusy(d.id);
    setError(null);
    try {
      await redeliverWebhook(auth, subscriptionId, d.id);
      onChanged(`The ${d.eventType} delivery was queued again.`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  return (
    <>
      {error && <ErrorMessage message={error} />}
      <DataTable
        labelledBy={headingId}
        columns={['Event', 'Status', 'Attempts', 'Last answer', 'Created', 'Last update', 'Redeliver']}
      >
        {deliveries.data.map((d) => (
          <tr key={d.id} data-testid="delivery-row" data-status={d.status}>
            <td>{d.eventType}</td>
            <td>{STATUS_TEXT[d.status]}</td>
            <td>{d.attempts}</td>
            <td>
              {d.lastStatusCode !== undefined && <>HTTP {d.lastStatusCode} </>}
              {d.lastResponse && <code>{d.lastResponse}</code>}
              {d.lastError && <span>{d.lastError}</span>}
              {d.durationMs !== undefined && <> · took {d.durationMs} ms</>}
              {d.nextAttemptAt && <> · next attempt {formatDateTime(d.nextAttemptAt)}</>}
            </td>
            <td>{formatDateTime(d.createdAt)}</td>
            <td>{formatDateTime(d.updatedAt)}</td>
            <td>
              <ActionButton
                busy={busy !== null}
                notNow={
                  d.status === 'pending'
                    ? 'Still queued: it will be attempted.'
                    : paused
                      ? 'Paused: resume the subscription first.'
                      : undefined
                }
                onClick={() => void redeliver(d)}
              >
                Redeliver <span className="visually-hidden">{d.eventType} delivery</span>
              </ActionButton>
            </td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}

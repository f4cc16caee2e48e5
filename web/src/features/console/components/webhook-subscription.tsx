import { useState } from 'react';
import type { WebhookDelivery, WebhookSubscription } from '@kantiv/shared/webhooks';
import { deleteWebhook } from '../api/delete-webhook.ts';
import { rotateWebhookSecret } from '../api/rotate-webhook-secret.ts';
import { testWebhook } from '../api/test-webhook.ts';
import { updateWebhook } from '../api/update-webhook.ts';
import { useConsole } from '../hooks/use-console.ts';
import { formatDateTime } from '../lib/format.ts';
import { errorMessage, type Loaded } from '../lib/loaded.ts';
import { ActionButton } from './action-button.tsx';
import { ConfirmGroup } from './confirm-group.tsx';
import { ErrorMessage } from './error-message.tsx';
import { OneTimeValuePanel } from './one-time-value.tsx';
import { WebhookDeliveries } from './webhook-deliveries.tsx';
import { WebhookEditForm } from './webhook-edit-form.tsx';

type Props = {
  sub: WebhookSubscription;
  deliveries: Loaded<WebhookDelivery[]>;
  onChanged: () => void;
};
type Confirming = null | 'rotate' | 'delete';

/**
 * One subscription: its facts, a test delivery, edit, pause or resume, a new signing secret (shown once, the old
 * one signing too for the grace period), delete, and its deliveries with redeliver.
 */
export function WebhookSubscriptionCard({ sub, deliveries, onChanged }: Props) {
  const { auth } = useConsole();
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState<Confirming>(null);
  const [secret, setSecret] = useState<{ value: string; previousUntil?: string } | null>(null);
  const headingId = `sub-${sub.id}`;
  const paused = Boolean(sub.pausedAt);

  async function run(action: () => Promise<string>) {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      setMessage(await action());
      onChanged();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className="c-panel" data-testid="webhook">
      <h3 id={headingId}>
        <code>{sub.url}</code>
      </h3>
      <p>
        <strong data-testid="webhook-status">{paused ? 'Paused' : 'Active'}</strong>
        {paused && ` since ${formatDateTime(sub.pausedAt)}: no delivery goes out until it is resumed`}
      </p>
      <p>
        Events: {sub.events.join(', ')} · created {formatDateTime(sub.createdAt)}
        {sub.description ? ` · ${sub.description}` : ''}
        {sub.disabledAt ? ` · disabled ${formatDateTime(sub.disabledAt)}` : ''}
      </p>
      {sub.previousSecretValidUntil && (
        <p data-testid="secret-grace">
          The previous signing key also signs deliveries until {formatDateTime(sub.previousSecretValidUntil)}.
        </p>
      )}
      <div className="c-actions">
        <ActionButton
          busy={busy}
          notNow={paused ? 'Paused: resume the subscription first.' : undefined}
          onClick={() =>
            void run(async () => {
              await testWebhook(auth, sub.id);
              return 'Test delivery sent.';
            })
          }
        >
          Send a test delivery
        </ActionButton>
        <ActionButton busy={busy} onClick={() => setEditing(true)}>
          Edit <span className="visually-hidden">{sub.url}</span>
        </ActionButton>
        <ActionButton
          busy={busy}
          onClick={() =>
            void run(async () => {
              await updateWebhook(auth, sub.id, { paused: !paused });
              return paused ? 'Deliveries resumed.' : 'Paused: no delivery goes out until you resume it.';
            })
          }
        >
          {paused ? 'Resume' : 'Pause'} <span className="visually-hidden">{sub.url}</span>
        </ActionButton>
        {confirming === 'rotate' ? (
          <ConfirmGroup
            label="Confirm new signing key"
            confirm="Yes, make a new signing key"
            busy={busy}
            onCancel={() => setConfirming(null)}
            onConfirm={() => {
              setConfirming(null);
              void run(async () => {
                const rotated = await rotateWebhookSecret(auth, sub.id);
                setSecret({
                  value: rotated.signingSecret,
                  ...(rotated.subscription.previousSecretValidUntil
                    ? { previousUntil: rotated.subscription.previousSecretValidUntil }
                    : {}),
                });
                return 'A new signing key was made.';
              });
            }}
          >
            Make a new signing key? It is shown once. Deliveries carry a signature with the new key at once;
            the current key keeps signing them too for a grace period, so the receiver can switch without
            losing a delivery.
          </ConfirmGroup>
        ) : (
          <ActionButton busy={busy} onClick={() => setConfirming('rotate')}>
            New signing key <span className="visually-hidden">for {sub.url}</span>
          </ActionButton>
        )}
        {confirming === 'delete' ? (
          <ConfirmGroup
            label="Confirm delete"
            confirm="Yes, delete"
            busy={busy}
            danger
            onCancel={() => setConfirming(null)}
            onConfirm={() => {
              setConfirming(null);
              void run(async () => {
                await deleteWebhook(auth, sub.id);
                return 'The subscription was deleted.';
              });
            }}
          >
            Delete this subscription? No delivery goes out to {sub.url} any more, queued ones included. This
            cannot be undone (add a new subscription instead); to stop deliveries for a while, pause it.
          </ConfirmGroup>
        ) : (
          <ActionButton danger busy={busy} onClick={() => setConfirming('delete')}>
            Delete <span className="visually-hidden">{sub.url}</span>
          </ActionButton>
        )}
        <button type="button" onClick={onChanged}>
          Refresh deliveries
        </button>
      </div>
      <div aria-live="polite">{message && <p className="c-success">{message}</p>}</div>
      {error && <ErrorMessage message={error} />}
      {secret && (
        <OneTimeValuePanel
          label="New signing key"
          copyLabel="new signing key"
          value={secret.value}
          testId="rotated-secret"
          onDone={() => setSecret(null)}
        >
          Give the receiver this signing key now: it is shown <strong>only once</strong>.{' '}
          {secret.previousUntil
            ? `Until ${formatDateTime(secret.previousUntil)} every delivery carries two signatures, one with this key and one with the previous key, so the receiver keeps accepting deliveries while it switches. After that only this key signs.`
            : 'From now on only this key signs deliveries.'}
        </OneTimeValuePanel>
      )}
      {editing && (
        <WebhookEditForm
          sub={sub}
          onDone={(saved) => {
            setEditing(false);
            if (saved) {
              setMessage('The subscription was saved.');
              onChanged();
            }
          }}
        />
      )}
      <WebhookDeliveries
        subscriptionId={sub.id}
        headingId={headingId}
        paused={paused}
        deliveries={deliveries}
        onChanged={(text) => {
          setMessage(text);
          onChanged();
        }}
      />
    </li>
  );
}

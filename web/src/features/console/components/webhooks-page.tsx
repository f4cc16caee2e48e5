import { useState } from 'react';
import { useRevalidator } from 'react-router';
import {
  CreateWebhookRequestSchema,
  WebhookEventTypeSchema,
  type WebhookDelivery,
  type WebhookSubscription,
} from '@kantiv/shared/webhooks';
import { createWebhook } from '../api/create-webhook.ts';
import { testWebhook } from '../api/test-webhook.ts';
import { useConsole } from '../hooks/use-console.ts';
import { formatDateTime } from '../lib/format.ts';
import { useCreateForm } from '../hooks/use-create-form.ts';
import { errorMessage, type Loaded } from '../lib/loaded.ts';
import { ActionButton, ReadOnlyNotice } from './action-button.tsx';
import { DataTable } from './data-table.tsx';
import { CreateFormPanel } from './create-form-panel.tsx';
import { ErrorMessage } from './error-message.tsx';
import { OneTimeValuePanel } from './one-time-value.tsx';
import { ResourceSection } from './resource-section.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';

/** A subscription with its recent deliveries (or why they could not be read). */
export type SubscriptionWithDeliveries = { sub: WebhookSubscription; deliveries: Loaded<WebhookDelivery[]> };

/** Webhook subscriptions: create, send a test delivery, see recent deliveries and the receiver's answers. */
export function WebhooksPage({ subs }: { subs: Loaded<SubscriptionWithDeliveries[]> }) {
  usePageTitle('Webhooks');
  const { auth } = useConsole();
  const revalidator = useRevalidator();
  const reload = () => void revalidator.revalidate();
  const [created, setCreated] = useState<{ url: string; signingSecret: string } | null>(null);
  const form = useCreateForm({
    parse: (data) => {
      const description = data.get('description');
      return CreateWebhookRequestSchema.safeParse({
        url: data.get('url'),
        events: data.getAll('events'),
        ...(typeof description === 'string' && description.trim() ? { description } : {}),
      });
    },
    invalid: 'Enter an http(s) URL and pick at least one event.',
    create: (request) => createWebhook(auth, request),
    onCreated: (result) => {
      setCreated({ url: result.subscription.url, signingSecret: result.signingSecret });
      reload();
    },
  });

  return (
    <>
      <h1>Webhooks</h1>
      <ReadOnlyNotice />
      <CreateFormPanel
        id="new-webhook-heading"
        title="Add a subscription"
        submitLabel="Add subscription"
        form={form}
        created={
          created && (
            <OneTimeValuePanel
              label="Signing key"
              copyLabel="signing key"
              value={created.signingSecret}
              onDone={() => setCreated(null)}
            >
              Subscription for <code>{created.url}</code> added. Give the receiver this signing key now: it is
              shown <strong>only once</strong>. Receivers verify deliveries with it using a Standard Webhooks
              library (<code>webhook-signature</code> header).
            </OneTimeValuePanel>
          )
        }
      >
        <div className="c-field">
          <label htmlFor="webhook-url">Receiver URL</label>
          <input id="webhook-url" name="url" type="url" required />
        </div>
        <div className="c-field">
          <label htmlFor="webhook-description">Description (optional)</label>
          <input id="webhook-description" name="description" maxLength={200} />
        </div>
        <fieldset>
          <legend>Events</legend>
          {WebhookEventTypeSchema.options.map((type) => (
            <label key={type} className="c-inline">
              <input type="checkbox" name="events" value={type} /> <code>{type}</code>
            </label>
          ))}
        </fieldset>
      </CreateFormPanel>
      {form.error && <ErrorMessage message={form.error} />}
      <ResourceSection id="subs-heading" title="Subscriptions" resource={subs} empty="No subscription yet.">
        {(items) => (
          <ul className="c-cards">
            {items.map(({ sub, deliveries }) => (
              <Subscription key={sub.id} sub={sub} deliveries={deliveries} onChanged={reload} />
            ))}
          </ul>
        )}
      </ResourceSection>
    </>
  );
}

function Subscription({
  sub,
  deliveries,
  onChanged,
}: SubscriptionWithDeliveries & { onChanged: () => void }) {
  const { auth } = useConsole();
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const headingId = `sub-${sub.id}`;
  return (
    <li className="c-panel" data-testid="webhook">
      <h3 id={headingId}>
        <code>{sub.url}</code>
      </h3>
      <p>
        Events: {sub.events.join(', ')} · created {formatDateTime(sub.createdAt)}
        {sub.description ? ` · ${sub.description}` : ''}
        {sub.disabledAt ? ` · disabled ${formatDateTime(sub.disabledAt)}` : ''}
      </p>
      <div className="c-actions">
        <ActionButton
          onClick={() => {
            setError(null);
            testWebhook(auth, sub.id).then(
              () => {
                setMessage('Test delivery sent.');
                onChanged();
              },
              (err: unknown) => setError(errorMessage(err)),
            );
          }}
        >
          Send a test delivery
        </ActionButton>
        <button type="button" onClick={onChanged}>
          Refresh deliveries
        </button>
      </div>
      <div aria-live="polite">{message && <p className="c-success">{message}</p>}</div>
      {error && <ErrorMessage message={error} />}
      {deliveries.kind === 'error' && <ErrorMessage message={deliveries.message} />}
      {deliveries.kind === 'ready' &&
        (deliveries.data.length === 0 ? (
          <p>No delivery yet.</p>
        ) : (
          <DataTable
            labelledBy={headingId}
            columns={['Event', 'Status', 'Attempts', 'Answer', 'Last update']}
          >
            {deliveries.data.map((d) => (
              <tr key={d.id} data-testid="delivery-row">
                <td>{d.eventType}</td>
                <td>{d.status}</td>
                <td>{d.attempts}</td>
                <td>
                  {d.lastStatusCode !== undefined && <>HTTP {d.lastStatusCode} </>}
                  {d.lastResponse && <code>{d.lastResponse}</code>}
                  {d.lastError && <span>{d.lastError}</span>}
                  {d.nextAttemptAt && <> · next attempt {formatDateTime(d.nextAttemptAt)}</>}
                </td>
                <td>{formatDateTime(d.updatedAt)}</td>
              </tr>
            ))}
          </DataTable>
        ))}
    </li>
  );
}

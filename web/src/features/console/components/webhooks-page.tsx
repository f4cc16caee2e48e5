import { useState } from 'react';
import { useRevalidator } from 'react-router';
import {
  CreateWebhookRequestSchema,
  type WebhookDelivery,
  type WebhookSubscription,
} from '@kantiv/shared/webhooks';
import { createWebhook } from '../api/create-webhook.ts';
import { useConsole } from '../hooks/use-console.ts';
import { useCreateForm } from '../hooks/use-create-form.ts';
import type { Loaded } from '../lib/loaded.ts';
import { CreateFormPanel } from './create-form-panel.tsx';
import { ErrorMessage } from './error-message.tsx';
import { OneTimeValuePanel } from './one-time-value.tsx';
import { ResourceSection } from './resource-section.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { WebhookEventsFieldset } from './webhook-events-fieldset.tsx';
import { WebhookSubscriptionCard } from './webhook-subscription.tsx';

/** A subscription with its recent deliveries (or why they could not be read). */
export type SubscriptionWithDeliveries = { sub: WebhookSubscription; deliveries: Loaded<WebhookDelivery[]> };

/** Webhook subscriptions: add, edit, pause, rotate the signing key, delete; deliveries with redeliver. */
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
        <WebhookEventsFieldset idPrefix="new-webhook" />
      </CreateFormPanel>
      {form.error && <ErrorMessage message={form.error} />}
      <ResourceSection id="subs-heading" title="Subscriptions" resource={subs} empty="No subscription yet.">
        {(items) => (
          <ul className="c-cards">
            {items.map(({ sub, deliveries }) => (
              <WebhookSubscriptionCard key={sub.id} sub={sub} deliveries={deliveries} onChanged={reload} />
            ))}
          </ul>
        )}
      </ResourceSection>
    </>
  );
}

import { useEffect, useRef, useState, type FormEvent } from 'react';
import { UpdateWebhookRequestSchema, type WebhookSubscription } from '@kantiv/shared/webhooks';
import { updateWebhook } from '../api/update-webhook.ts';
import { useConsole } from '../hooks/use-console.ts';
import { errorMessage } from '../lib/loaded.ts';
import { ActionButton } from './action-button.tsx';
import { ErrorMessage } from './error-message.tsx';
import { WebhookEventsFieldset } from './webhook-events-fieldset.tsx';

/** Edits a subscription's URL, description and events; `onDone(true)` after a save, `onDone(false)` on Cancel. */
export function WebhookEditForm({
  sub,
  onDone,
}: {
  sub: WebhookSubscription;
  onDone: (saved: boolean) => void;
}) {
  const { auth } = useConsole();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const urlRef = useRef<HTMLInputElement>(null);
  const prefix = `edit-${sub.id}`;
  // Keyboard users land in the form they opened, not back at the top of the page.
  useEffect(() => urlRef.current?.focus(), []);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const parsed = UpdateWebhookRequestSchema.safeParse({
      url: data.get('url'),
      events: data.getAll('events'),
      description: data.get('description') ?? '',
    });
    if (!parsed.success) {
      setError('Enter an http(s) URL and pick at least one event.');
      urlRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await updateWebhook(auth, sub.id, parsed.data);
      onDone(true);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="c-stack c-panel-inner"
      aria-label={`Edit the subscription for ${sub.url}`}
      onSubmit={(e) => void submit(e)}
      noValidate
    >
      <div className="c-field">
        <label htmlFor={`${prefix}-url`}>Receiver URL</label>
        <input
          ref={urlRef}
          id={`${prefix}-url`}
          name="url"
          type="url"
          required
          defaultValue={sub.url}
          aria-invalid={error ? true : undefined}
        />
      </div>
      <div className="c-field">
        <label htmlFor={`${prefix}-description`}>Description (optional)</label>
        <input
          id={`${prefix}-description`}
          name="description"
          maxLength={200}
          defaultValue={sub.description ?? ''}
        />
      </div>
      <WebhookEventsFieldset idPrefix={prefix} checked={sub.events} />
      {error && <ErrorMessage message={error} />}
      <div className="c-actions">
        <ActionButton type="submit" busy={busy}>
          Save changes
        </ActionButton>
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

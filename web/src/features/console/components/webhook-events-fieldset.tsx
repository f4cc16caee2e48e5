import { WebhookEventTypeSchema, type WebhookEventType } from '@kantiv/shared/webhooks';
import { WEBHOOK_EVENT_DESCRIPTIONS } from '../lib/webhook-events.ts';

/** The events a subscription receives, each with what it tells the receiver (for adding and for editing). */
export function WebhookEventsFieldset({
  idPrefix,
  checked = [],
}: {
  idPrefix: string;
  checked?: readonly WebhookEventType[];
}) {
  return (
    <fieldset>
      <legend>Events</legend>
      {WebhookEventTypeSchema.options.map((type) => (
        <div key={type} className="c-choice">
          <label className="c-inline">
            <input
              type="checkbox"
              name="events"
              value={type}
              defaultChecked={checked.includes(type)}
              aria-describedby={`${idPrefix}-${type}`}
            />{' '}
            <code>{type}</code>
          </label>{' '}
          <span id={`${idPrefix}-${type}`} className="c-hint">
            {WEBHOOK_EVENT_DESCRIPTIONS[type]}
          </span>
        </div>
      ))}
    </fieldset>
  );
}

import type http from 'node:http';
import { afterAll, beforeAll, expect } from 'vitest';
import { CreateWebhookResponseSchema, WebhookDeliverySchema } from '@kantiv/shared/webhooks';
import type { TestContext } from './app.ts';
import { startReceiver, type Receiver } from './receiver.ts';

/** The server settings webhook tests run with: jobs on, quick retries, deliveries to the test's own loopback port. */
export const WEBHOOK_TEST_ENV = {
  JOBS_ENABLED: 'true',
  WEBHOOK_RETRY_BASE_MS: '50',
  WEBHOOK_ALLOW_LOOPBACK: 'true',
} as const;

export type Received = { headers: http.IncomingHttpHeaders; body: string };

/** The three Standard Webhooks headers of a received delivery, as `standardwebhooks` verifies them. */
export const standardHeaders = (h: http.IncomingHttpHeaders) => ({
  'webhook-id': String(h['webhook-id']),
  'webhook-timestamp': String(h['webhook-timestamp']),
  'webhook-signature': String(h['webhook-signature']),
});

/**
 * A receiver on 127.0.0.1 for one describe block (started before its tests, closed after), recording every
 * request; `answerWith` sets the status it answers next (a test flips it to 500 to make deliveries fail).
 */
export function useWebhookReceiver() {
  let receiver: Receiver | undefined;
  let status = 204;
  const received: Received[] = [];
  beforeAll(async () => {
    receiver = await startReceiver((req, body, res) => {
      received.push({ headers: req.headers, body });
      res.writeHead(status).end();
    });
  });
  afterAll(async () => {
    await receiver?.close();
  });
  const base = () => {
    if (!receiver) throw new Error('the receiver is not started (use it inside a test)');
    return receiver.base;
  };
  return {
    received,
    base,
    answerWith: (next: number) => {
      status = next;
    },
    /** Subscribes the receiver's `/hook` to `events` as the caller `headers()` names. */
    async subscribe(ctx: TestContext, headers: Record<string, string>, events: string[]) {
      const res = await ctx.call({
        method: 'POST',
        url: '/api/v1/webhooks',
        headers,
        payload: { url: `${base()}/hook`, events },
      });
      expect(res.statusCode).toBe(201);
      return CreateWebhookResponseSchema.parse(res.json());
    },
    /** Sends a test delivery; `hits` are the requests that carried it (picked by id: other deliveries may arrive). */
    async sendTest(ctx: TestContext, headers: Record<string, string>, id: string) {
      const res = await ctx.call({ method: 'POST', url: `/api/v1/webhooks/${id}/test`, headers });
      const delivery = WebhookDeliverySchema.parse(res.json());
      return { delivery, hits: received.filter((r) => r.headers['webhook-id'] === delivery.id) };
    },
  };
}

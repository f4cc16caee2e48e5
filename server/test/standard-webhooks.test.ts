import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it, vi } from 'vitest';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { WebhookEventTypeSchema, WebhookPayloadSchema } from '@kantiv/shared/webhooks';
import { seal, webhookSecretAad } from '../src/vault/vault.ts';
import { sealedColumns } from '../src/services/sealed-columns.ts';
import { describeDialects } from './helpers/databases.ts';
import { bearer, handedOffSetup, useTestApp } from './helpers/app.ts';
import {
  standardHeaders,
  useWebhookReceiver,
  WEBHOOK_TEST_ENV,
  type Received,
} from './helpers/webhook-receiver.ts';

describeDialects('Standard Webhooks signatures (%s)', (dialect) => {
  const ctx = useTestApp(dialect, WEBHOOK_TEST_ENV);
  const hook = useWebhookReceiver();
  const { received } = hook;
  afterAll(() => {
    vi.useRealTimers();
  });

  const subscribe = (events: string[]) => hook.subscribe(ctx, bearer(ctx.apiKey), events);
  async function sendTest(id: string): Promise<Received> {
    const { delivery, hits } = await hook.sendTest(ctx, bearer(ctx.apiKey), id);
    expect(delivery).toMatchObject({ status: 'succeeded' });
    // The hand-off's verification job may deliver setup.failed meanwhile: `hits` are this delivery's only.
    expect(hits).toHaveLength(1);
    return hits[0]!;
  }

  it('a test delivery verifies with the standardwebhooks library; the secret is whsec_ + base64', async () => {
    const { subscription, signingSecret } = await subscribe(['setup.verified']);
    expect(signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const hit = await sendTest(subscription.id);
    const payload = WebhookPayloadSchema.parse(
      new Webhook(signingSecret).verify(hit.body, standardHeaders(hit.headers)),
    );
    expect(payload.type).toBe('webhook.test');
    expect(hit.headers['webhook-id']).toBe(payload.id);
    expect(hit.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    // A subscription made under Standard Webhooks gets no second, home-grown signature.
    expect(hit.headers['kantiv-signature']).toBeUndefined();
    expect(hit.body).not.toContain(signingSecret);
  });

  it('a delivery queued by an event and run by the job runner verifies; the id is stable, the body the payload', async () => {
    const { signingSecret } = await subscribe(['setup.failed']);
    const setup = await handedOffSetup(ctx);
    const before = received.length;
    await ctx.app.webhooks.emit('setup.failed', setup.id);
    await vi.waitFor(() => expect(received.length).toBeGreaterThan(before), { timeout: 10_000 });
    const hit = received.slice(before).find((r) => r.body.includes(setup.id))!;
    const payload = WebhookPayloadSchema.parse(
      new Webhook(signingSecret).verify(hit.body, standardHeaders(hit.headers)),
    );
    expect(payload).toMatchObject({ type: 'setup.failed', data: { setupId: setup.id } });
    expect(hit.headers['kantiv-event']).toBe('setup.failed');
  });

  it('a tampered body, id or timestamp, or another secret, fails verification', async () => {
    const { subscription, signingSecret } = await subscribe(['setup.verified']);
    const hit = await sendTest(subscription.id);
    const wh = new Webhook(signingSecret);
    const headers = standardHeaders(hit.headers);
    expect(() => wh.verify(hit.body.replace('webhook.test', 'setup.verified'), headers)).toThrow(
      WebhookVerificationError,
    );
    expect(() => wh.verify(hit.body, { ...headers, 'webhook-id': crypto.randomUUID() })).toThrow(
      WebhookVerificationError,
    );
    const earlier = String(Number(headers['webhook-timestamp']) - 1);
    expect(() => wh.verify(hit.body, { ...headers, 'webhook-timestamp': earlier })).toThrow(
      WebhookVerificationError,
    );
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    expect(() => new Webhook(other).verify(hit.body, headers)).toThrow(WebhookVerificationError);
  });

  it('a delivery replayed ten minutes later fails verification (timestamp too old)', async () => {
    const { subscription, signingSecret } = await subscribe(['setup.verified']);
    const hit = await sendTest(subscription.id);
    const wh = new Webhook(signingSecret);
    expect(() => wh.verify(hit.body, standardHeaders(hit.headers))).not.toThrow();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10 * 60_000 });
    try {
      expect(() => wh.verify(hit.body, standardHeaders(hit.headers))).toThrow(/timestamp too old/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a subscription with a secret issued before Standard Webhooks gets both signatures, each valid', async () => {
    const { subscription } = await subscribe(['setup.verified']);
    // The old form: whsec_ + base64url of the key bytes, checked by receivers as Kantiv-Signature.
    const keyBytes = randomBytes(32);
    const legacy = `whsec_${keyBytes.toString('base64url')}`;
    const sealed = seal(ctx.config.keyring, legacy, webhookSecretAad(subscription.id));
    await ctx.app.store.db
      .updateTable('webhook_subscriptions')
      .set(sealedColumns(sealed))
      .where('id', '=', subscription.id)
      .execute();
    const hit = await sendTest(subscription.id);
    expect(hit.headers['kantiv-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const [t, v1] = String(hit.headers['kantiv-signature'])
      .split(',')
      .map((p) => p.split('=')[1]);
    expect(v1).toBe(createHmac('sha256', legacy).update(`${t}.${hit.body}`).digest('hex'));
    // Signed for this attempt: the same unix seconds as the Standard Webhooks timestamp, so receivers' age checks hold.
    expect(t).toBe(hit.headers['webhook-timestamp']);
    // The receiver's switch: the same key bytes in standard base64 (docs/operations.md).
    const converted = `whsec_${keyBytes.toString('base64')}`;
    expect(() => new Webhook(converted).verify(hit.body, standardHeaders(hit.headers))).not.toThrow();
  });
});

describeDialects('webhook documentation (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  it('GET /docs/json › documents every event type in the OpenAPI webhooks section, with a valid example', async () => {
    const doc = (await ctx.call({ method: 'GET', url: '/docs/json' })).json<{
      openapi: string;
      webhooks: Record<string, { post: { requestBody: { content: Record<string, { example: unknown }> } } }>;
    }>();
    expect(doc.openapi).toBe('3.1.0');
    const types = [...WebhookEventTypeSchema.options, 'webhook.test'];
    expect(Object.keys(doc.webhooks).sort()).toEqual([...types].sort());
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    for (const type of types) {
      const example = doc.webhooks[type]!.post.requestBody.content['application/json']!.example;
      expect(WebhookPayloadSchema.parse(example).type).toBe(type);
      // The README shows the same example under a heading of the event's name.
      const block = new RegExp(`#### \`${type.replace('.', '\\.')}\`[^]*?\`\`\`json\\n([^]*?)\`\`\``).exec(
        readme,
      );
      expect(block, `README example for ${type}`).not.toBeNull();
      expect(JSON.parse(block![1]!), type).toEqual(example);
    }
  });
});

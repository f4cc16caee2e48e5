import type { OpenAPIV3_2 } from '@fastify/swagger';
import { z } from 'zod';
import { WebhookPayloadSchema, type WebhookEventType, type WebhookPayload } from '@kantiv/shared/webhooks';

/**
 * Every event a receiver can get, with an example body, for the OpenAPI document's `webhooks` section (the README
 * shows the same examples). Keyed by the event enum, so a new event type does not compile until it is documented here.
 */
const CONTOSO = {
  setupId: '5f3c2a7e-1d4b-4e8f-9a6c-2b7d1e0f3a45',
  customerName: 'Contoso Ltd',
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  clientId: '9d1f2c3b-4a5e-46f7-8b9c-0d1e2f3a4b5c',
  environmentUrl: 'https://contoso.crm.dynamics.com',
};

const EVENTS: Record<WebhookEventType | 'webhook.test', { summary: string; example: WebhookPayload }> = {
  'setup.verified': {
    summary: 'A setup was verified: Kantiv can now vend Dataverse tokens for it.',
    example: {
      id: '0b0f6c1e-6a7e-4c33-9a51-7f6d1c2b9e10',
      type: 'setup.verified',
      createdAt: '2026-12-03T10:15:30.000Z',
      data: {
        ...CONTOSO,
        state: 'verified',
        secretExpiresAt: '2027-12-03T10:14:02.000Z',
        credentialKind: 'client_secret',
        credentialExpiresAt: '2027-12-03T10:14:02.000Z',
      },
    },
  },
  'setup.failed': {
    summary:
      'A setup failed verification for good; its detail (`GET /api/v1/setups/{id}`) names the cause and fix.',
    example: {
      id: '7c2d9e4a-3b1f-4a6c-8d5e-1f0a2b3c4d5e',
      type: 'setup.failed',
      createdAt: '2026-12-03T10:25:30.000Z',
      data: { ...CONTOSO, state: 'failed' },
    },
  },
  'credential.expiring': {
    summary:
      "A verified setup's credential (a secret, or a certificate that has not rotated) ends within 30, 14, 7 or 1 days: sent once per threshold and credential, `data.expiringInDays` says which. Renewal links are not built yet: until then, support connects the environment again with a new setup before the date.",
    example: {
      id: 'e4a1b2c3-d4e5-4f60-8172-93a4b5c6d7e8',
      type: 'credential.expiring',
      createdAt: '2027-11-19T10:14:02.000Z',
      data: {
        ...CONTOSO,
        state: 'verified',
        secretExpiresAt: '2027-12-03T10:14:02.000Z',
        credentialKind: 'client_secret',
        credentialExpiresAt: '2027-12-03T10:14:02.000Z',
        expiringInDays: 14,
      },
    },
  },
  'credential.renewed': {
    summary:
      "A renewal or repair link's new certificate was verified and token vending switched to it; an old secret is removed by the admin's browser right after, an old certificate by Kantiv (decision 013).",
    example: {
      id: '8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d',
      type: 'credential.renewed',
      createdAt: '2026-12-10T09:30:00.000Z',
      data: {
        ...CONTOSO,
        state: 'verified',
        secretExpiresAt: '2027-12-03T10:14:02.000Z',
        credentialKind: 'certificate',
        credentialExpiresAt: '2027-12-03T10:14:02.000Z',
        message: 'Credential renewed: tokens are now made with the new certificate',
      },
    },
  },
  'setup.blocked': {
    summary:
      "The customer's admin is stuck: the wizard showed a blocker (with its fix), or the admin signed in to another tenant. `data.message` says which.",
    example: {
      id: '3d4e5f60-7182-4a93-b4c5-d6e7f8091a2b',
      type: 'setup.blocked',
      createdAt: '2026-12-03T10:05:12.000Z',
      data: {
        ...CONTOSO,
        state: 'in_progress',
        message: 'Blocked: your account has no Entra role that can create app registrations.',
      },
    },
  },
  'setup.stalled': {
    summary: "The customer's admin stopped the run (Cancel) or has been idle; `data.message` says which.",
    example: {
      id: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
      type: 'setup.stalled',
      createdAt: '2026-12-03T10:35:00.000Z',
      data: { ...CONTOSO, state: 'in_progress', message: 'Idle for 15 minutes.' },
    },
  },
  'setup.degraded': {
    summary:
      'A scheduled health check found drift (or Microsoft failing for a whole interval): `data.health` is `degraded` or `broken`, `data.cause` names it with the exact fix and which link fixes it.',
    example: {
      id: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
      type: 'setup.degraded',
      createdAt: '2026-12-03T11:00:00.000Z',
      data: {
        ...CONTOSO,
        state: 'verified',
        message:
          'Dataverse at https://contoso.crm.dynamics.com has no application user for app 9d1f2c3b-4a5e-46f7-8b9c-0d1e2f3a4b5c.',
        health: 'broken',
        cause: {
          code: 'application_user_missing',
          message:
            'Dataverse at https://contoso.crm.dynamics.com has no application user for app 9d1f2c3b-4a5e-46f7-8b9c-0d1e2f3a4b5c.',
          fix: 'Send a repair link: the wizard recreates only the application user and gives it the role "Kantiv Integration".',
          link: 'repair',
          microsoftCode: '0x80072560',
        },
      },
    },
  },
  'setup.recovered': {
    summary: 'A connection that had drifted is healthy again (`data.previousHealth` says what it was).',
    example: {
      id: '4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a',
      type: 'setup.recovered',
      createdAt: '2026-12-03T12:00:00.000Z',
      data: {
        ...CONTOSO,
        state: 'verified',
        message: 'Connection healthy again',
        health: 'healthy',
        previousHealth: 'broken',
      },
    },
  },
  'setup.disconnected': {
    summary:
      "Kantiv disconnected the setup (support or an API client): the credential's data key is destroyed, its jobs stopped and token vending answers 410. What the customer's admin removes in their tenant is a separate step (decision 018).",
    example: {
      id: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b',
      type: 'setup.disconnected',
      createdAt: '2026-12-03T13:00:00.000Z',
      data: {
        ...CONTOSO,
        state: 'disconnected',
        credentialKind: 'certificate',
        message: 'Disconnected: 1 credential destroyed; Kantiv no longer connects to this environment.',
      },
    },
  },
  'webhook.test': {
    summary: 'Sent only by `POST /api/v1/webhooks/{id}/test`, to whichever events the subscription wants.',
    example: {
      id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      type: 'webhook.test',
      createdAt: '2026-12-03T10:00:00.000Z',
      data: { message: 'A test delivery from Kantiv Connect' },
    },
  },
};

const header = (name: string, description: string, example: string) => ({
  name,
  in: 'header',
  required: true,
  description,
  schema: { type: 'string' as const },
  example,
});

/** OpenAPI 3.1 `webhooks`: one POST per event type, signed per Standard Webhooks. */
export function webhookDocs(): Record<string, OpenAPIV3_2.PathItemObject> {
  // zod's JSON Schema type is its own; the document is JSON Schema 2020-12, which OpenAPI 3.1 takes as it is.
  const schema = z.toJSONSchema(WebhookPayloadSchema, { target: 'draft-2020-12' }) as object;
  return Object.fromEntries(
    Object.entries(EVENTS).map(([type, { summary, example }]) => [
      type,
      {
        post: {
          summary,
          description:
            "Signed per Standard Webhooks (https://www.standardwebhooks.com): verify with the subscription's `whsec_…` secret and any `standardwebhooks` library; refuse a timestamp older than 5 minutes; the same `webhook-id` on a retry is a duplicate. `traceparent` (W3C) is sent when the server traces.",
          tags: ['webhooks'],
          parameters: [
            header('webhook-id', "The delivery id, the same on every retry (= the body's `id`).", example.id),
            header('webhook-timestamp', 'Unix seconds of this attempt.', '1764756930'),
            header(
              'webhook-signature',
              'Space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<body>`.',
              'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
            ),
            { ...header('kantiv-event', "The event type (also the body's `type`).", type), required: false },
          ],
          requestBody: { required: true, content: { 'application/json': { schema, example } } },
          responses: {
            '2XX': {
              description: 'Received. Any other answer (or none within WEBHOOK_TIMEOUT_MS) is retried.',
            },
          },
        },
      },
    ]),
  );
}

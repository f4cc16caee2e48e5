import type { WebhookEventType } from '@kantiv/shared/webhooks';

/** What each event tells a receiver, beside its checkbox (the API reference's summaries, in support's words). */
export const WEBHOOK_EVENT_DESCRIPTIONS: Record<WebhookEventType, string> = {
  'setup.verified': 'A setup was verified: Kantiv can now get Dataverse tokens for it.',
  'setup.failed': 'A setup failed for good (the wizard or the verification gave up).',
  'credential.expiring': "A setup's certificate or client secret ends in 30, 14, 7 or 1 days.",
  'credential.renewed':
    'A renewal or repair link switched the connection to its new certificate; the old credential goes.',
  'setup.blocked': 'The admin was shown a blocker (a missing role) or signed in to the wrong tenant.',
  'setup.stalled': 'The admin stopped the run (Cancel) or has been idle.',
  'setup.degraded': 'A health check found drift in a verified connection, with the fix.',
  'setup.recovered': 'A connection that had drifted is healthy again.',
  'setup.disconnected': 'Kantiv disconnected the setup: its credential is destroyed.',
};

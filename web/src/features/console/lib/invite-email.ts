import type { Setup } from '@kantiv/shared/setup';
import { formatDateTime } from './format.ts';

/**
 * The e-mail support sends with a new invite link: who it is for, the roles the admin must hold (the wizard stops
 * without them, see the blockers), where it runs, and when the link stops working.
 */
export function inviteEmail(setup: Setup, inviteUrl: string): { subject: string; body: string } {
  const environment = setup.environmentHint ? ` (environment: ${setup.environmentHint})` : '';
  return {
    subject: `Connect ${setup.customerName}'s Dynamics 365 to Kantiv`,
    body: [
      'Hello,',
      '',
      `Kantiv needs a connection to ${setup.customerName}'s Dynamics 365${environment}. The setup takes a few minutes in your browser and creates an app registration and a security role that Kantiv uses.`,
      '',
      'Who should open the link: an administrator who holds both',
      '- the Entra role Cloud Application Administrator or Application Administrator (Global Administrator also works), and',
      '- the security role System Administrator in the Dynamics 365 environment.',
      '',
      `The link: ${inviteUrl}`,
      '',
      `It works once and expires on ${formatDateTime(setup.inviteExpiresAt)}. Please do not forward it beyond the person doing the setup.`,
      '',
      'Kantiv support',
    ].join('\n'),
  };
}

/** A `mailto:` with subject and body (RFC 6068: percent-encoded, line breaks as %0D%0A). */
export function mailtoOf({ subject, body }: { subject: string; body: string }): string {
  const enc = (s: string) => encodeURIComponent(s.replaceAll('\n', '\r\n'));
  return `mailto:?subject=${enc(subject)}&body=${enc(body)}`;
}

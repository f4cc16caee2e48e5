import type { CredentialKind } from '@kantiv/shared/credentials';
import type { CredentialSummary } from '@kantiv/shared/credential-expiry';

export const CREDENTIAL_KIND_LABELS: Record<CredentialKind, string> = {
  client_secret: 'Client secret',
  certificate: 'Certificate',
};

/** The "expires within N days" choices of the setups list. */
export const EXPIRES_WITHIN_CHOICES = [7, 14, 30, 60, 90] as const;

/**
 * How support tells credentials apart without seeing one: a certificate by its SHA-256 thumbprint (as Entra shows
 * it, upper-case hex), a secret by Graph's keyId. Never a value.
 */
export function credentialIdText(c: CredentialSummary | undefined): string {
  if (!c) return '—';
  if (c.thumbprintSha256) return `Thumbprint (SHA-256) ${c.thumbprintSha256.toUpperCase()}`;
  if (c.keyId) return `Key id ${c.keyId}`;
  return '—';
}

/** The `credential.expiring` notice already sent, in words; empty when none. */
export function expiryNoticeText(c: CredentialSummary | undefined): string {
  const days = c?.expiringNoticeDays;
  if (days === undefined) return '';
  return `Expiry notice sent (${days} day${days === 1 ? '' : 's'} before)`;
}

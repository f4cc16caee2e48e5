import type { ReactNode } from 'react';
import type { Setup } from '@kantiv/shared/setup';
import { CREDENTIAL_KIND_LABELS, credentialIdText, expiryNoticeText } from '../lib/credential-text.ts';
import { expiryText, formatDateTime, secretExpiryWarning } from '../lib/format.ts';

/**
 * The setup page's rows about its credential: kind and source, keyId or thumbprint (never a value), its end with
 * the warning, and the `credential.expiring` notice already sent.
 */
export function credentialFactRows(setup: Setup, now: number): [string, ReactNode][] {
  const c = setup.credential;
  const kind = c?.kind ?? setup.credentialKind;
  const warning = secretExpiryWarning(setup.secretExpiresAt, now);
  const notice = expiryNoticeText(c);
  return [
    [
      'Credential',
      kind
        ? `${CREDENTIAL_KIND_LABELS[kind]}${setup.credentialSource ? ` (${setup.credentialSource})` : ''}`
        : '—',
    ],
    ['Credential id', <code key="cid">{credentialIdText(c)}</code>],
    [
      kind === 'certificate' ? 'Certificate expires' : 'Secret expires',
      <span key="exp">
        {formatDateTime(setup.secretExpiresAt)}
        {warning && (
          <span className={`c-warning c-warning-${warning.level}`}> ⚠ {expiryText(warning, kind)}</span>
        )}
        {notice && (
          <span className="c-hint" data-testid="expiry-notice">
            {' '}
            {notice}
          </span>
        )}
      </span>,
    ],
  ];
}

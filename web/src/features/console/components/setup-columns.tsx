import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { Setup, SetupSort } from '@kantiv/shared/setup';
import { consolePaths } from '../../../config/paths.ts';
import { CREDENTIAL_KIND_LABELS } from '../lib/credential-text.ts';
import { expiryText, secretExpiryWarning } from '../lib/format.ts';
import { ATTENTION_LABELS } from '../lib/moments.ts';
import { StateBadge } from './state-badge.tsx';
import { When } from './when.tsx';

/** One column of the setups list: its heading, the server sort it maps to (if any), and how a row shows it. */
export type SetupColumn = {
  id: string;
  label: string;
  sort?: SetupSort;
  cell: (setup: Setup, now: number) => ReactNode;
};

function creator(setup: Setup): string {
  const c = setup.createdBy;
  if (!c) return '—';
  if (c.name) return c.name;
  return c.kind === 'api_key' ? 'API key' : c.kind === 'staff' ? 'Staff' : c.kind;
}

/**
 * The list's columns, in order. A new column is one entry here (the table, its sort buttons and the narrow-screen
 * cards are all drawn from this list).
 */
export const SETUP_COLUMNS: SetupColumn[] = [
  {
    id: 'customer',
    label: 'Customer',
    sort: 'customer',
    cell: (s) => <Link to={consolePaths.setup(s.id)}>{s.customerName}</Link>,
  },
  {
    id: 'state',
    label: 'State',
    sort: 'state',
    cell: (s) => (
      <>
        <StateBadge state={s.state} />
        {s.attention && (
          <span className="c-hint" data-testid="row-attention">
            ⚠ {ATTENTION_LABELS[s.attention.kind]}
          </span>
        )}
      </>
    ),
  },
  {
    id: 'tenant',
    label: 'Tenant',
    sort: 'tenant',
    cell: (s) => (
      <span title={s.tenantId}>{s.tenantDomain ?? s.expectedTenantDomain ?? s.tenantId ?? '—'}</span>
    ),
  },
  {
    id: 'environment',
    label: 'Environment',
    sort: 'environment',
    cell: (s) => <span className="c-break">{s.environmentUrl ?? s.environmentHint ?? '—'}</span>,
  },
  {
    id: 'created',
    label: 'Created',
    sort: 'created',
    cell: (s, now) => <When iso={s.createdAt} now={now} />,
  },
  {
    id: 'creator',
    label: 'Created by',
    sort: 'creator',
    cell: (s) => <span title={s.createdBy?.id}>{creator(s)}</span>,
  },
  {
    id: 'updated',
    label: 'Last activity',
    sort: 'updated',
    cell: (s, now) => <When iso={s.updatedAt} now={now} />,
  },
  {
    id: 'inviteExpiry',
    label: 'Invite expires',
    sort: 'inviteExpiry',
    cell: (s, now) => <When iso={s.inviteExpiresAt} now={now} />,
  },
  {
    id: 'secretExpiry',
    label: 'Credential expiry',
    sort: 'secretExpiry',
    cell: (s, now) => {
      const warning = secretExpiryWarning(s.secretExpiresAt, now);
      const kind = s.credential?.kind ?? s.credentialKind;
      return (
        <span data-testid="row-credential">
          {kind && <span className="c-hint">{CREDENTIAL_KIND_LABELS[kind]} </span>}
          {warning ? (
            <span className={`c-warning c-warning-${warning.level}`}>⚠ {expiryText(warning, kind)}</span>
          ) : (
            <When iso={s.secretExpiresAt} />
          )}
        </span>
      );
    },
  },
  {
    id: 'health',
    label: 'Health',
    // A drift is named with its fix right in the list: support sees what to send without opening the setup.
    cell: (s) => (
      <span data-testid="row-health">
        {s.health?.health ?? '—'}
        {s.health?.cause && (
          <span className="c-hint" data-testid="row-health-cause">
            {' '}
            {s.health.cause.message} Fix: {s.health.cause.fix}
          </span>
        )}
      </span>
    ),
  },
];

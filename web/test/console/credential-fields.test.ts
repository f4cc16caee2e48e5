import { createElement, Fragment } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { SetupSchema, type Setup } from '@kantiv/shared/setup';
import { setupListQuery } from '../../src/features/console/api/get-setups.ts';
import { credentialFactRows } from '../../src/features/console/components/credential-facts.tsx';
import { setupListFilterFrom } from '../../src/features/console/lib/list-filters.ts';

const now = Date.parse('2027-11-20T00:00:00.000Z');
const THUMBPRINT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';

function setup(extra: Partial<Setup>): Setup {
  return SetupSchema.parse({
    id: '5f3c2a7e-1d4b-4e8f-9a6c-2b7d1e0f3a45',
    customerName: 'Contoso Ltd',
    state: 'verified',
    manifest: {
      roleName: 'Kantiv Integration',
      tables: [
        {
          table: 'account',
          entitySet: 'accounts',
          schemaName: 'Account',
          displayName: 'Account',
          access: ['Read'],
          depth: 'Global',
        },
      ],
    },
    secretLifetimeMonths: 24,
    createdAt: '2026-12-03T10:00:00.000Z',
    updatedAt: '2026-12-03T10:00:00.000Z',
    inviteExpiresAt: '2026-12-10T10:00:00.000Z',
    steps: [],
    ...extra,
  });
}

/** The rows as the setup page renders them, as text: `term: value` per row. */
const rendered = (s: Setup) =>
  credentialFactRows(s, now).map(
    ([term, value]) =>
      `${term}: ${renderToStaticMarkup(createElement(Fragment, null, value)).replace(/<[^>]+>/g, '')}`,
  );

describe('the credential on the setup page', () => {
  it('a certificate shows its kind, its thumbprint (never a value), its end and the notice already sent', () => {
    const rows = rendered(
      setup({
        credentialKind: 'certificate',
        credentialSource: 'automatic',
        secretExpiresAt: '2027-12-03T10:14:02.000Z',
        credential: {
          kind: 'certificate',
          keyId: '0d6bb1a6-8f0e-4c3f-a2f3-2b1c5a9e7d10',
          thumbprintSha256: THUMBPRINT,
          expiresAt: '2027-12-03T10:14:02.000Z',
          expiringNoticeDays: 14,
        },
      }),
    );
    expect(rows).toEqual([
      'Credential: Certificate (automatic)',
      `Credential id: Thumbprint (SHA-256) ${THUMBPRINT.toUpperCase()}`,
      // 13 days 10 hours left: said as 13 (days are rounded, see format.ts).
      'Certificate expires: 3 Dec 2027, 10:14 UTC ⚠ Certificate expires in 13 days Expiry notice sent (14 days before)',
    ]);
  });

  it('a secret shows its keyId; before any hand-off there is nothing to show', () => {
    const rows = rendered(
      setup({
        credentialKind: 'client_secret',
        credentialSource: 'manual',
        secretExpiresAt: '2028-06-01T00:00:00.000Z',
        credential: { kind: 'client_secret', keyId: '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6' },
      }),
    );
    expect(rows).toEqual([
      'Credential: Client secret (manual)',
      'Credential id: Key id 7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6',
      'Secret expires: 1 Jun 2028, 00:00 UTC',
    ]);
    expect(rendered(setup({ state: 'invited' }))).toEqual([
      'Credential: —',
      'Credential id: —',
      'Secret expires: —',
    ]);
  });
});

describe('the "expires within N days" filter', () => {
  it('is read from the URL and sent to the server; a nonsense value is ignored', () => {
    const filter = setupListFilterFrom(new URLSearchParams('expiresWithinDays=30&state=verified'));
    expect(filter).toMatchObject({ state: 'verified', expiresWithinDays: 30 });
    expect(setupListQuery(filter)).toBe('state=verified&expiresWithinDays=30&limit=25');
    for (const bad of ['0', '-3', 'soon', ''])
      expect(setupListFilterFrom(new URLSearchParams(`expiresWithinDays=${bad}`))).not.toHaveProperty(
        'expiresWithinDays',
      );
  });
});

import { describe, expect, it } from 'vitest';
import type { Setup } from '@kantiv/shared/setup';
import { formatUtc, relativeTime } from '../../src/features/console/lib/format.ts';
import { inviteEmail, mailtoOf } from '../../src/features/console/lib/invite-email.ts';

const now = Date.parse('2026-12-03T12:00:00.000Z');

describe('relativeTime', () => {
  it('says how long ago (or until) for events within a day, and nothing for older ones', () => {
    expect(relativeTime('2026-12-03T11:55:00.000Z', now)).toBe('5 minutes ago');
    expect(relativeTime('2026-12-03T14:00:00.000Z', now)).toBe('in 2 hours');
    expect(relativeTime('2026-12-03T11:59:50.000Z', now)).toBe('10 seconds ago');
    expect(relativeTime('2026-12-01T12:00:00.000Z', now)).toBeUndefined();
    expect(relativeTime(undefined, now)).toBeUndefined();
  });
  it('gives the UTC value to the second, named', () => {
    expect(formatUtc('2026-12-03T11:55:07.000Z')).toBe('3 Dec 2026, 11:55:07 UTC');
  });
});

describe('inviteEmail', () => {
  const setup = {
    customerName: 'Fabrikam & Sons',
    environmentHint: 'Fabrikam Sales',
    inviteExpiresAt: '2026-12-10T12:00:00.000Z',
  } as Setup;
  const link = 'https://connect.kantiv.example/setup/abc#token=xyz';

  it('names the customer, the roles the admin needs, the environment and the link', () => {
    const { subject, body } = inviteEmail(setup, link);
    expect(subject).toContain('Fabrikam & Sons');
    expect(body).toContain('Cloud Application Administrator or Application Administrator');
    expect(body).toContain('System Administrator');
    expect(body).toContain('Fabrikam Sales');
    expect(body).toContain(link);
  });

  it('makes a mailto with subject and body encoded (an & or # in them cannot cut the message short)', () => {
    const url = new URL(mailtoOf(inviteEmail(setup, link)));
    expect(url.protocol).toBe('mailto:');
    const params = new URLSearchParams(url.search);
    expect(params.get('subject')).toBe("Connect Fabrikam & Sons's Dynamics 365 to Kantiv");
    expect(params.get('body')).toContain(`The link: ${link}\r\n`);
  });
});

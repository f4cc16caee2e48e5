/** Microsoft's answer to the admin-consent link, as it arrives on the redirect URI's query string. */
export type AdminConsentAnswer =
  | { kind: 'granted'; tenant: string }
  | { kind: 'declined'; code: string }
  | { kind: 'failed'; code: string; description: string };

/**
 * `/v2.0/adminconsent` answers `admin_consent=True&tenant=…` or `error=…&error_description=…`; a cancelled consent
 * page and a user who may not consent for the organization both answer `access_denied`.
 */
export function readAdminConsentAnswer(search: string): AdminConsentAnswer {
  const q = new URLSearchParams(search);
  const error = q.get('error');
  if (!error && q.get('admin_consent')?.toLowerCase() === 'true') {
    return { kind: 'granted', tenant: q.get('tenant') ?? '' };
  }
  const code = /AADSTS\d+/.exec(q.get('error_description') ?? '')?.[0] ?? error ?? 'unknown';
  if (error === 'access_denied' || !error) return { kind: 'declined', code };
  // Microsoft's own words (English) up to its trace ids, which help nobody on this page.
  const description = (q.get('error_description') ?? '').split(/\s*Trace ID:/)[0] ?? '';
  return { kind: 'failed', code, description };
}

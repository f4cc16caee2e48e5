import { describe, expect, it } from 'vitest';
import { MICROSOFT_CLOUDS } from '@kantiv/shared/clouds';
import { tokenScope } from '../src/http/transport.ts';
import { DEFAULT_MANIFEST } from '@kantiv/shared/manifest';
import { normalizeUrl, resolveConfig } from '../src/config.ts';
import { decodeJwtPayload } from '../src/jwt.ts';
import { depthAtLeast, manifestPrivileges } from '../src/privileges.ts';
import { BlockerError, MicrosoftApiError, NetworkError, TokenError, toStepError } from '../src/errors.ts';
import { parseRetryAfter } from '../src/http/error-body.ts';
import { odataString } from '../src/http/odata.ts';
import { shorterLifetimeDays } from '../src/steps/credential-lifetime.ts';

describe('parseRetryAfter', () => {
  it('reads seconds', () => {
    expect(parseRetryAfter('7', 0)).toBe(7000);
  });
  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-11-28T04:00:00Z');
    expect(parseRetryAfter('Sat, 28 Nov 2026 04:00:30 GMT', now)).toBe(30_000);
  });
  it('ignores absent or garbled values', () => {
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
});

describe('odataString', () => {
  it('doubles single quotes so a name cannot break out of the literal', () => {
    expect(odataString("O'Brien")).toBe("'O''Brien'");
  });
});

describe('shorterLifetimeDays', () => {
  it('uses the cap Microsoft states in the message', () => {
    expect(shorterLifetimeDays('Credential lifetime exceeds the max value allowed (P90D)', 365)).toBe(90);
    expect(shorterLifetimeDays('maximum is 180 days', 365)).toBe(180);
  });
  it('steps down when the message states no cap', () => {
    expect(
      shorterLifetimeDays('Credential lifetime exceeds the max value allowed as per assigned policy', 730),
    ).toBe(365);
    expect(shorterLifetimeDays('no cap stated', 90)).toBe(60);
  });
  it('gives up below one day', () => {
    expect(shorterLifetimeDays('no cap stated', 1)).toBeNull();
  });
  it('reads the cap in any case and wording: p60d, 1 day, 14days', () => {
    expect(shorterLifetimeDays('max value allowed (p60d)', 365)).toBe(60);
    expect(shorterLifetimeDays('maximum is 1 day', 365)).toBe(1);
    expect(shorterLifetimeDays('maximum is 14days', 365)).toBe(14);
    expect(shorterLifetimeDays('maximum is 45 DAYS', 365)).toBe(45);
  });
  it('ignores a stated cap that is not shorter than what was tried, or not a lifetime', () => {
    // The cap said is the lifetime just refused (rounding): the next shorter step, never the same again.
    expect(shorterLifetimeDays('max value allowed (P365D)', 365)).toBe(180);
    expect(shorterLifetimeDays('maximum is 400 days', 365)).toBe(180);
    expect(shorterLifetimeDays('max value allowed (P0D)', 365)).toBe(180);
    expect(shorterLifetimeDays('maximum is 0 days', 30)).toBe(14);
    // A cap one day shorter is taken as it is.
    expect(shorterLifetimeDays('maximum is 364 days', 365)).toBe(364);
  });
  it('steps down one step at a time, from just above each step', () => {
    expect([366, 181, 91, 61, 31, 15, 8, 2].map((d) => shorterLifetimeDays('no cap stated', d))).toEqual([
      365, 180, 90, 60, 30, 14, 7, 1,
    ]);
    expect([365, 180, 90, 60, 30, 14, 7].map((d) => shorterLifetimeDays('no cap stated', d))).toEqual([
      180, 90, 60, 30, 14, 7, 1,
    ]);
  });
});

describe('toStepError', () => {
  it('keeps Microsoft’s code, message and request id and adds who must do what', () => {
    const e = toStepError(
      new MicrosoftApiError({
        service: 'graph',
        status: 403,
        code: 'Authorization_RequestDenied',
        message: 'Insufficient privileges to complete the operation.',
        requestId: 'req-1',
      }),
    );
    expect(e).toMatchObject({
      code: 'Authorization_RequestDenied',
      message: 'Insufficient privileges to complete the operation.',
      requestId: 'req-1',
    });
    expect(e.fix).toMatch(/Cloud Application Administrator/);
  });
  it('explains a blocked secret policy', () => {
    const e = toStepError(
      new MicrosoftApiError({
        service: 'graph',
        status: 400,
        code: 'CredentialTypeNotAllowedAsPerAppPolicy',
        message: 'x',
      }),
    );
    expect(e.fix).toMatch(/app management policy/);
  });
  it('passes a blocker through unchanged', () => {
    const blocker = { code: 'missing_directory_role', message: 'm', fix: 'f' };
    expect(toStepError(new BlockerError(blocker))).toEqual(blocker);
  });
  it('maps network and token failures to a fix the admin can act on', () => {
    expect(toStepError(new NetworkError('graph', 'offline')).code).toBe('network_error');
    expect(toStepError(new TokenError('interaction_required', 'sign in')).fix).toMatch(/Sign in again/);
    // A popup blocker stopped the renewed sign-in: say so, and that Try again (a click) opens the window.
    for (const code of ['popup_window_error', 'empty_window_error']) {
      const blocked = toStepError(new TokenError(code, 'Could not get a Microsoft sign-in token.'));
      expect(blocked.code).toBe(code);
      expect(blocked.fix).toMatch(/blocked its sign-in window\. Press Try again/);
      expect(blocked.fix).toMatch(/allow pop-ups/);
    }
  });
});

describe('toStepError codes for the wizard’s catalogs', () => {
  it('names the catalog code of each fix, so the wizard words it in the admin’s language', () => {
    const denied = new MicrosoftApiError({
      service: 'graph',
      status: 403,
      code: 'Authorization_RequestDenied',
      message: 'Insufficient privileges to complete the operation.',
    });
    expect(toStepError(denied).text).toEqual({ key: 'graph_denied' });
    const busy = new MicrosoftApiError({ service: 'dataverse', status: 503, code: 'x', message: 'busy' });
    expect(toStepError(busy).text).toEqual({ key: 'microsoft_busy' });
    expect(toStepError(new TokenError('consent_required', 'c')).text).toEqual({ key: 'consent_needed' });
    expect(toStepError(new NetworkError('graph', 'offline')).text).toEqual({ key: 'network_error' });
    expect(toStepError(new Error('boom')).text).toEqual({ key: 'internal_error' });
  });
});

describe('manifest privileges', () => {
  it('names every access right of every table, with its depth', () => {
    const privs = manifestPrivileges(DEFAULT_MANIFEST);
    expect(privs).toContainEqual({ name: 'prvReadAccount', depth: 'Global' });
    expect(privs).toContainEqual({ name: 'prvAppendToContact', depth: 'Global' });
    expect(privs).toHaveLength(DEFAULT_MANIFEST.tables.reduce((n, t) => n + t.access.length, 0));
  });
  it('orders depths from user to organization', () => {
    expect(depthAtLeast('Global', 'Local')).toBe(true);
    expect(depthAtLeast('Basic', 'Deep')).toBe(false);
  });
});

describe('config', () => {
  it('refuses a secret lifetime outside 12–24 months', () => {
    expect(() => resolveConfig({ secretLifetimeMonths: 36 })).toThrow(RangeError);
    expect(() => resolveConfig({ secretLifetimeMonths: 0 })).toThrow(RangeError);
    // Microsoft recommends less than 12 months: a shorter lifetime is allowed.
    expect(resolveConfig({ secretLifetimeMonths: 6 }).secretLifetimeMonths).toBe(6);
    expect(resolveConfig({}).secretLifetimeMonths).toBe(12);
  });
  it('normalizes environment URLs to scheme and host', () => {
    expect(normalizeUrl('https://Contoso.crm.dynamics.com/main.aspx')).toBe(
      'https://contoso.crm.dynamics.com',
    );
  });
  it('reads claims from a token without trusting it', () => {
    const payload = Buffer.from(JSON.stringify({ tid: 'abc', scp: 'Application.ReadWrite.All' })).toString(
      'base64url',
    );
    expect(decodeJwtPayload(`x.${payload}.y`)).toEqual({ tid: 'abc', scp: 'Application.ReadWrite.All' });
    expect(decodeJwtPayload('opaque')).toEqual({});
  });
});

describe('tokenScope', () => {
  it('names the configured cloud’s resources, commercial by default', () => {
    expect(tokenScope('graph')).toBe('https://graph.microsoft.com/Application.ReadWrite.All');
    expect(tokenScope('discovery')).toBe('https://globaldisco.crm.dynamics.com/user_impersonation');
    const gcchigh = {
      graph: MICROSOFT_CLOUDS.gcchigh.graphBaseUrl,
      discovery: MICROSOFT_CLOUDS.gcchigh.discoveryBaseUrl,
    };
    expect(tokenScope('graph', gcchigh)).toBe('https://graph.microsoft.us/Application.ReadWrite.All');
    expect(tokenScope('discovery', gcchigh)).toBe(
      'https://globaldisco.crm.microsoftdynamics.us/user_impersonation',
    );
    expect(tokenScope({ environmentUrl: 'https://contoso.crm.microsoftdynamics.us/' }, gcchigh)).toBe(
      'https://contoso.crm.microsoftdynamics.us/user_impersonation',
    );
  });
});

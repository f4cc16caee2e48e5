import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { emulator } from './support/emulator-fixture.ts';
import { LOGIN, ORIGIN, expectAadsts, tid, useEntraEmulator } from './support/entra.ts';
import { call, tokenFor } from './support/helpers.ts';
import { SEED } from '../src/index.ts';

useEntraEmulator();

describe('Entra ID discovery endpoints', () => {
  it('serves OpenID configuration by GUID and verified domain with the tenant GUID in issuer and endpoints', async () => {
    for (const segment of [tid, 'contoso.com', 'contoso.onmicrosoft.com']) {
      const r = await call(emulator, `${LOGIN}/${segment}/v2.0/.well-known/openid-configuration`, {
        headers: { origin: ORIGIN },
      });
      expect(r.status).toBe(200);
      expect(r.json.issuer).toBe(`${LOGIN}/${tid}/v2.0`);
      expect(r.json.token_endpoint).toBe(`${LOGIN}/${tid}/oauth2/v2.0/token`);
      expect(r.json.authorization_endpoint).toBe(`${LOGIN}/${tid}/oauth2/v2.0/authorize`);
      expect(r.json.end_session_endpoint).toBe(`${LOGIN}/${tid}/oauth2/v2.0/logout`);
      expect(r.json.jwks_uri).toBe(`${LOGIN}/${tid}/discovery/v2.0/keys`);
      expect(r.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    }
  });

  it('keeps organizations/common in endpoints with the {tenantid} issuer template', async () => {
    for (const segment of ['organizations', 'common']) {
      const r = await call(emulator, `${LOGIN}/${segment}/v2.0/.well-known/openid-configuration`);
      expect(r.json.issuer).toBe(`${LOGIN}/{tenantid}/v2.0`);
      expect(r.json.token_endpoint).toBe(`${LOGIN}/${segment}/oauth2/v2.0/token`);
    }
  });

  it('builds metadata from the host the caller used (path-based localhost authority)', async () => {
    const r = await call(
      emulator,
      `${emulator.urls.authorityHost}/${tid}/v2.0/.well-known/openid-configuration`,
    );
    expect(r.json.issuer).toBe(`${emulator.urls.authorityHost}/${tid}/v2.0`);
  });

  it('serves v1 metadata with the sts.windows.net issuer', async () => {
    const r = await call(emulator, `${LOGIN}/${tid}/.well-known/openid-configuration`);
    expect(r.json.issuer).toBe(`https://sts.windows.net/${tid}/`);
  });

  it('resolves every seeded verified domain to its own tenant, as the server resolves an expected domain', async () => {
    for (const t of Object.values(SEED.tenants)) {
      for (const domain of [t.domain, t.initialDomain, t.domain.toUpperCase()]) {
        const r = await call(emulator, `${LOGIN}/${domain}/v2.0/.well-known/openid-configuration`);
        expect(r.status).toBe(200);
        expect(r.json.issuer).toBe(`${LOGIN}/${t.id}/v2.0`);
        expect(r.json.token_endpoint).toBe(`${LOGIN}/${t.id}/oauth2/v2.0/token`);
      }
    }
  });

  it('answers a domain no tenant has verified with the 400 invalid_tenant body of Entra (AADSTS90002)', async () => {
    const r = await call(
      emulator,
      `${LOGIN}/unverified-domain.example/v2.0/.well-known/openid-configuration`,
    );
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({
      error: 'invalid_tenant',
      error_codes: [90002],
      error_uri: 'https://login.microsoftonline.com/error?code=90002',
    });
    expect(String(r.json.error_description)).toMatch(
      /^AADSTS90002: Tenant 'unverified-domain\.example' not found\. Check to make sure you have the correct tenant ID/,
    );
  });

  it('answers an unknown tenant with AADSTS90002', async () => {
    const r = await call(emulator, `${LOGIN}/nowhere.example/v2.0/.well-known/openid-configuration`);
    expect(r.status).toBe(400);
    expectAadsts(r.json, 'invalid_tenant', 90002);
  });

  it('publishes a JWKS that verifies issued tokens', async () => {
    const jwks = await call(emulator, `${LOGIN}/${tid}/discovery/v2.0/keys`);
    const token = await tokenFor(
      emulator,
      'admin@contoso.com',
      'https://graph.microsoft.com/Application.ReadWrite.All',
    );
    const { payload, protectedHeader } = await jwtVerify(
      token,
      createLocalJWKSet(jwks.json as unknown as JSONWebKeySet),
    );
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(payload.aud).toBe('https://graph.microsoft.com');
  });

  it('answers instance discovery for Microsoft hosts and for other hosts', async () => {
    const ms = await call(
      emulator,
      `${LOGIN}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${LOGIN}/organizations/oauth2/v2.0/authorize`)}`,
    );
    expect(ms.json['api-version']).toBe('1.1');
    expect(ms.json.tenant_discovery_endpoint).toBe(
      `${LOGIN}/organizations/v2.0/.well-known/openid-configuration`,
    );
    expect(JSON.stringify(ms.json.metadata)).toContain('login.windows.net');
    const local = await call(
      emulator,
      `${LOGIN}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`https://${emulator.urls.knownAuthority}/x/oauth2/v2.0/authorize`)}`,
    );
    expect(local.json.metadata).toEqual([
      {
        preferred_network: emulator.urls.knownAuthority,
        preferred_cache: emulator.urls.knownAuthority,
        aliases: [emulator.urls.knownAuthority],
      },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, generateKeySpec, loadConfig } from '../src/config.ts';

const KEYS = generateKeySpec('k1');

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.join('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults when only a key is given', () => {
    const config = loadConfig({ KANTIV_KEYS: KEYS });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.database.kind).toBe('sqlite');
    expect(config.keyring.activeKid).toBe('k1');
    expect(config.verification.maxWaitMs).toBe(600_000);
  });

  it('refuses to start without a key', () => {
    expect(problemsOf({})).toContain('KANTIV_KEYS');
  });

  it('names every bad key at once', () => {
    const problems = problemsOf({ PORT: 'eighty', LOG_LEVEL: 'loud', KANTIV_KEYS: KEYS });
    expect(problems).toContain('PORT');
    expect(problems).toContain('LOG_LEVEL');
  });

  it('rejects short keys, duplicate kids and an active kid that is not in the ring', () => {
    expect(problemsOf({ KANTIV_KEYS: 'k1:c2hvcnQ=' })).toContain('32 bytes');
    expect(problemsOf({ KANTIV_KEYS: `${KEYS},${KEYS}` })).toContain('twice');
    expect(problemsOf({ KANTIV_KEYS: KEYS, KANTIV_ACTIVE_KEY: 'k9' })).toContain('KANTIV_ACTIVE_KEY');
  });

  it('uses PostgreSQL when DATABASE_URL is set and picks the last key as active by default', () => {
    const config = loadConfig({
      KANTIV_KEYS: `${KEYS},${generateKeySpec('k2')}`,
      DATABASE_URL: 'postgres://u@h/db',
    });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u@h/db' });
    expect(config.keyring.activeKid).toBe('k2');
  });

  it('rejects a malformed bootstrap API key', () => {
    expect(problemsOf({ KANTIV_KEYS: KEYS, KANTIV_BOOTSTRAP_API_KEY: 'secret' })).toContain(
      'KANTIV_BOOTSTRAP_API_KEY',
    );
  });

  it('refuses MICROSOFT_HOST_MAP, MICROSOFT_CA_FILE and http:// authority or key URLs without KANTIV_DEV_MODE', () => {
    const dev = {
      KANTIV_KEYS: KEYS,
      MICROSOFT_HOST_MAP: 'login.microsoftonline.com=127.0.0.1:8443',
      MICROSOFT_CA_FILE: __filename,
      MICROSOFT_AUTHORITY_HOST: 'http://127.0.0.1:9000',
      MICROSOFT_JWKS_URL: 'http://127.0.0.1:9000/keys',
      STAFF_JWKS_URL: 'http://127.0.0.1:9000/staff-keys',
      WEBHOOK_ALLOW_LOOPBACK: 'true',
    };
    const problems = problemsOf(dev);
    for (const key of [
      'MICROSOFT_HOST_MAP',
      'MICROSOFT_CA_FILE',
      'MICROSOFT_AUTHORITY_HOST',
      'MICROSOFT_JWKS_URL',
      'STAFF_JWKS_URL',
      'WEBHOOK_ALLOW_LOOPBACK',
    ])
      expect(problems).toContain(key);
    const allowed = loadConfig({ ...dev, KANTIV_DEV_MODE: 'true' });
    expect(allowed.devMode).toBe(true);
    expect(allowed.webhooks).toMatchObject({ allowHttp: true, allowLoopback: true });
    const production = loadConfig({ KANTIV_KEYS: KEYS });
    expect(production.devMode).toBe(false);
    expect(production.webhooks).toMatchObject({ allowHttp: false, allowLoopback: false });
  });

  it('takes the Dataverse cloud from the authority', () => {
    const cloudOf = (MICROSOFT_AUTHORITY_HOST: string) =>
      loadConfig({ KANTIV_KEYS: KEYS, MICROSOFT_AUTHORITY_HOST }).microsoft.cloud;
    expect(cloudOf('https://login.microsoftonline.com')).toBe('public');
    expect(cloudOf('https://login.microsoftonline.us')).toBe('usgov');
    expect(cloudOf('https://login.chinacloudapi.cn')).toBe('china');
  });

  it('takes every Microsoft endpoint from MICROSOFT_CLOUD, and an explicit URL still wins', () => {
    const gcchigh = loadConfig({ KANTIV_KEYS: KEYS, MICROSOFT_CLOUD: 'gcchigh' }).microsoft;
    expect(gcchigh).toMatchObject({
      authorityHost: 'https://login.microsoftonline.us',
      graphBaseUrl: 'https://graph.microsoft.us',
      discoveryBaseUrl: 'https://globaldisco.crm.microsoftdynamics.us',
      jwksUrl: 'https://login.microsoftonline.us/common/discovery/v2.0/keys',
      cloud: 'usgov',
    });
    const gcc = loadConfig({ KANTIV_KEYS: KEYS, MICROSOFT_CLOUD: 'gcc' }).microsoft;
    expect(gcc).toMatchObject({
      authorityHost: 'https://login.microsoftonline.com',
      discoveryBaseUrl: 'https://globaldisco.crm9.dynamics.com',
      cloud: 'public',
    });
    const china = loadConfig({
      KANTIV_KEYS: KEYS,
      MICROSOFT_CLOUD: 'china',
      MICROSOFT_GRAPH_BASE_URL: 'https://graph.example.cn/',
    }).microsoft;
    expect(china).toMatchObject({ graphBaseUrl: 'https://graph.example.cn', cloud: 'china' });
    expect(() => loadConfig({ KANTIV_KEYS: KEYS, MICROSOFT_CLOUD: 'mars' })).toThrow(/MICROSOFT_CLOUD/);
  });
});

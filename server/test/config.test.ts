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
});

import { describe, expect, it } from 'vitest';
import { generateKeySpec, parseKeyring, type Keyring } from '../src/config.ts';
import { credentialAad, open, rewrap, seal, VaultError } from '../src/vault/vault.ts';

const ring = (spec: string, active?: string): Keyring => {
  const r = parseKeyring(spec, active);
  if (Array.isArray(r)) throw new Error(r.join());
  return r;
};

describe('vault', () => {
  const k1 = generateKeySpec('k1');
  const k2 = generateKeySpec('k2');
  const aad = credentialAad('setup-1', 'tenant-1', 'client-1');

  it('seals with a fresh data key and IV each time, and opens with the same AAD', () => {
    const keys = ring(k1);
    const a = seal(keys, 'top secret', aad);
    const b = seal(keys, 'top secret', aad);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
    expect(a.kid).toBe('k1');
    expect(open(keys, a, aad)).toBe('top secret');
  });

  it('fails closed when the AAD differs (a ciphertext moved to another setup, tenant or client)', () => {
    const keys = ring(k1);
    const sealed = seal(keys, 'top secret', aad);
    for (const other of [
      credentialAad('setup-2', 'tenant-1', 'client-1'),
      credentialAad('setup-1', 'tenant-2', 'client-1'),
      credentialAad('setup-1', 'tenant-1', 'client-2'),
    ]) {
      expect(() => open(keys, sealed, other)).toThrow(VaultError);
    }
  });

  it('fails closed on any flipped bit of ciphertext, tag, IV or wrapped key', () => {
    const keys = ring(k1);
    const sealed = seal(keys, 'top secret', aad);
    const flip = (b64: string) => {
      const buf = Buffer.from(b64, 'base64');
      buf[buf.length - 1] = (buf[buf.length - 1] ?? 0) ^ 1;
      return buf.toString('base64');
    };
    for (const field of ['ciphertext', 'tag', 'iv', 'wrappedKey'] as const) {
      expect(() => open(keys, { ...sealed, [field]: flip(sealed[field]) }, aad)).toThrow(VaultError);
    }
  });

  it('fails closed when a wrapped key is paired with another ciphertext', () => {
    const keys = ring(k1);
    const a = seal(keys, 'secret a', aad);
    const b = seal(keys, 'secret b', aad);
    expect(() => open(keys, { ...a, wrappedKey: b.wrappedKey }, aad)).toThrow(VaultError);
  });

  it('re-wraps under a new key; the old key can then be removed', () => {
    const old = ring(k1);
    const sealed = seal(old, 'top secret', aad);
    const both = ring(`${k1},${k2}`, 'k2');
    const moved = rewrap(both, sealed, aad);
    expect(moved.kid).toBe('k2');
    expect(moved.ciphertext).toBe(sealed.ciphertext);
    const onlyNew = ring(k2);
    expect(open(onlyNew, moved, aad)).toBe('top secret');
    expect(() => open(onlyNew, sealed, aad)).toThrow(VaultError);
  });
});

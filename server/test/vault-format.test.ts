import { describe, expect, it } from 'vitest';
import type { Keyring } from '../src/config.ts';
import {
  credentialAad,
  credentialAadV2,
  open,
  rewrap,
  seal,
  VaultError,
  webhookSecretAad,
  type Sealed,
} from '../src/vault/vault.ts';

/**
 * Values sealed by an earlier build must open in every later one: the database holds them for years. These vectors
 * were sealed once (key ring `gold` = 32 bytes of 0x07) and are pinned here, so a change to the envelope layout, the
 * wrap prefix or any AAD format — each of which would make every stored secret unreadable — fails this suite.
 */
const ring: Keyring = { keys: new Map([['gold', Buffer.alloc(32, 7)]]), activeKid: 'gold' };

const V1: Sealed = {
  kid: 'gold',
  wrappedKey: 'l/6uhaIh7zQfgcFfVyTnnYRCb7oCYlUdoDBGTLu0O08DliTtv4KgKSiaAgqRSLFMIzeUbuf/dXV9tF+p',
  iv: 'UgIcwr7Xux2qVSSX',
  tag: 'muCnPw1p8wT1EsS2rdAQLg==',
  ciphertext: 'CixJIgjUJkB7sfeLcrS8JQ==',
};
const V2: Sealed = {
  kid: 'gold',
  wrappedKey: 'HD17Im1A9alwNISVJLcr8FHjjT9t8KsREE0rD4fPB+n8UAfDy5fMWvmSaRtWjcGhYvRv9H6MMl5hcitw',
  iv: '3nNFiNJfdMxhoWye',
  tag: 'jMNomZ9hqnE6bVZcWqDXog==',
  ciphertext: 'RQFjyP01LISzRoFOSc9Z7A==',
};
const WEBHOOK: Sealed = {
  kid: 'gold',
  wrappedKey: 'ckph2/nDdiVa5L3DVvhBdt6o+Qydn+qvQKxZ0JfsunzjoUsXg5mQwjs27nxBY+k6PUUBB8VrD2UDg6dF',
  iv: 'a0VVune5aKcv4pKG',
  tag: 'dOpUbRNxg/9k/CzN1y6unA==',
  ciphertext: '93/ED9iKrw==',
};
const binding = {
  id: 'cred-1',
  setupId: 's-1',
  tenantId: 't-1',
  clientId: 'c-1',
  active: true,
  environmentUrl: 'https://org.crm.dynamics.com',
};

const b64 = (s: string) => Buffer.from(s, 'base64');

describe('vault format: what is stored stays readable, and nothing looser opens', () => {
  it('opens a v1 credential, a v2 credential and a webhook secret sealed by an earlier build', () => {
    expect(open(ring, V1, credentialAad('s-1', 't-1', 'c-1'))).toBe('client-secret-v1');
    expect(open(ring, V2, credentialAadV2(binding))).toBe('client-secret-v2');
    expect(open(ring, WEBHOOK, webhookSecretAad('sub-1'))).toBe('whsec-1');
  });

  it('a v2 credential does not open once its active flag or environment differs', () => {
    expect(() => open(ring, V2, credentialAadV2({ ...binding, active: false }))).toThrow(VaultError);
    expect(() =>
      open(ring, V2, credentialAadV2({ ...binding, environmentUrl: 'https://other.crm.dynamics.com' })),
    ).toThrow(VaultError);
  });

  it('refuses a truncated authentication tag (GCM would accept a 12-byte prefix of the real one)', () => {
    const aad = credentialAad('s-1', 't-1', 'c-1');
    const short = { ...V1, tag: b64(V1.tag).subarray(0, 12).toString('base64') };
    expect(() => open(ring, short, aad)).toThrow(new VaultError('sealed value is malformed'));
    const wrapped = b64(V1.wrappedKey);
    // The same for the wrapped key's own tag: a 12-byte tag laid out where the 16-byte one goes.
    const shortWrap = Buffer.concat([wrapped.subarray(0, 24), wrapped.subarray(28)]).toString('base64');
    expect(() => open(ring, { ...V1, wrappedKey: shortWrap }, aad)).toThrow(
      new VaultError('wrapped key is malformed'),
    );
  });

  it('says a tampered value failed its integrity check', () => {
    const aad = credentialAad('s-1', 't-1', 'c-1');
    const flipped = b64(V1.ciphertext);
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => open(ring, { ...V1, ciphertext: flipped.toString('base64') }, aad)).toThrow(
      new VaultError('sealed value failed its integrity check'),
    );
  });

  it('refuses an IV that is not 96 bits, whatever the tag says', () => {
    const aad = credentialAad('s-1', 't-1', 'c-1');
    const longIv = { ...V1, iv: Buffer.concat([b64(V1.iv), Buffer.alloc(4)]).toString('base64') };
    expect(() => open(ring, longIv, aad)).toThrow(new VaultError('sealed value is malformed'));
  });

  it('names a key that is not in the ring, and seals under the active key only', () => {
    const other: Keyring = { keys: new Map([['other', Buffer.alloc(32, 9)]]), activeKid: 'other' };
    expect(() => open(other, V1, credentialAad('s-1', 't-1', 'c-1'))).toThrow(
      new VaultError('key "gold" is not in the key ring'),
    );
    const both: Keyring = { keys: new Map([...ring.keys, ...other.keys]), activeKid: 'other' };
    const moved = rewrap(both, V1, credentialAad('s-1', 't-1', 'c-1'));
    expect(moved).toMatchObject({ kid: 'other', iv: V1.iv, tag: V1.tag, ciphertext: V1.ciphertext });
    expect(b64(moved.wrappedKey)).toHaveLength(12 + 16 + 32);
    expect(open(other, moved, credentialAad('s-1', 't-1', 'c-1'))).toBe('client-secret-v1');
    expect(seal(both, 'x', 'aad').kid).toBe('other');
  });
});

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from '../config.ts';

/**
 * Envelope encryption (docs/decisions/003-credential-vault.md). Each plaintext gets a fresh 256-bit data key;
 * the data key is wrapped by the key ring's active key-encryption key (its kid is stored), and both the data and
 * the wrapped key are AES-256-GCM with the same additional authenticated data, so a ciphertext moved to another
 * row, or a wrapped key moved to another ciphertext, fails to open.
 */
export type Sealed = {
  kid: string;
  /** base64(iv ‖ tag ‖ encrypted data key) */
  wrappedKey: string;
  iv: string;
  tag: string;
  ciphertext: string;
};

export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultError';
  }
}

const ALG = 'aes-256-gcm';

function encrypt(key: Buffer, plaintext: Buffer, aad: Buffer) {
  // 96-bit random IVs; every key encrypts exactly one message (data keys) or a bounded number (KEKs wrap one
  // 32-byte key per credential), far below NIST SP 800-38D's 2^32 limit.
  const iv = randomBytes(12);
  const cipher = createCipheriv(ALG, key, iv);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

function decrypt(key: Buffer, iv: Buffer, tag: Buffer, ciphertext: Buffer, aad: Buffer): Buffer {
  if (iv.length !== 12 || tag.length !== 16) throw new VaultError('sealed value is malformed');
  try {
    const decipher = createDecipheriv(ALG, key, iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new VaultError('sealed value failed its integrity check');
  }
}

function kek(keyring: Keyring, kid: string): Buffer {
  const key = keyring.keys.get(kid);
  if (!key) throw new VaultError(`key "${kid}" is not in the key ring`);
  return key;
}

function wrap(keyring: Keyring, dataKey: Buffer, aad: Buffer): { kid: string; wrappedKey: string } {
  const kid = keyring.activeKid;
  const w = encrypt(kek(keyring, kid), dataKey, Buffer.concat([Buffer.from('wrap|'), aad]));
  return { kid, wrappedKey: Buffer.concat([w.iv, w.tag, w.ciphertext]).toString('base64') };
}

function unwrap(keyring: Keyring, sealed: Pick<Sealed, 'kid' | 'wrappedKey'>, aad: Buffer): Buffer {
  const raw = Buffer.from(sealed.wrappedKey, 'base64');
  if (raw.length !== 12 + 16 + 32) throw new VaultError('wrapped key is malformed');
  return decrypt(
    kek(keyring, sealed.kid),
    raw.subarray(0, 12),
    raw.subarray(12, 28),
    raw.subarray(28),
    Buffer.concat([Buffer.from('wrap|'), aad]),
  );
}

export function seal(keyring: Keyring, plaintext: string, aad: string): Sealed {
  const aadBuf = Buffer.from(aad, 'utf8');
  const dataKey = randomBytes(32);
  try {
    const data = encrypt(dataKey, Buffer.from(plaintext, 'utf8'), aadBuf);
    return {
      ...wrap(keyring, dataKey, aadBuf),
      iv: data.iv.toString('base64'),
      tag: data.tag.toString('base64'),
      ciphertext: data.ciphertext.toString('base64'),
    };
  } finally {
    dataKey.fill(0);
  }
}

export function open(keyring: Keyring, sealed: Sealed, aad: string): string {
  const aadBuf = Buffer.from(aad, 'utf8');
  const dataKey = unwrap(keyring, sealed, aadBuf);
  try {
    return decrypt(
      dataKey,
      Buffer.from(sealed.iv, 'base64'),
      Buffer.from(sealed.tag, 'base64'),
      Buffer.from(sealed.ciphertext, 'base64'),
      aadBuf,
    ).toString('utf8');
  } finally {
    dataKey.fill(0);
  }
}

/** Re-wraps the data key under the active KEK; the data ciphertext is untouched (rotation without re-encryption). */
export function rewrap(keyring: Keyring, sealed: Sealed, aad: string): Sealed {
  const aadBuf = Buffer.from(aad, 'utf8');
  const dataKey = unwrap(keyring, sealed, aadBuf);
  try {
    return { ...sealed, ...wrap(keyring, dataKey, aadBuf) };
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Opens under `fromAad` and seals afresh (new data key) under `toAad`: for a change of what the ciphertext is bound
 * to (an AAD version upgrade, a credential deactivated). `rewrap` cannot do it, since the data is bound too.
 */
export function reseal(keyring: Keyring, sealed: Sealed, fromAad: string, toAad: string): Sealed {
  return seal(keyring, open(keyring, sealed, fromAad), toAad);
}

/**
 * Version 1 of what a credential ciphertext is bound to; rows sealed under it stay readable until `rewrap` moves
 * them to version 2. Changing this format makes every v1 credential unreadable.
 */
export function credentialAad(setupId: string, tenantId: string, clientId: string): string {
  return `kantiv-connect/credential/v1|setup=${setupId}|tenant=${tenantId}|client=${clientId}`;
}

export type CredentialBinding = {
  id: string;
  setupId: string;
  tenantId: string;
  clientId: string;
  active: boolean;
  environmentUrl: string;
};

/**
 * Version 2 also binds the row's own id (a ciphertext copied onto another credential row fails), its `active` flag
 * (an old credential switched back on by a database write fails to open) and `environment_url` (a secret cannot be
 * pointed at another host). Each value is JSON-encoded so no field can forge a separator.
 */
export function credentialAadV2(b: CredentialBinding): string {
  return `kantiv-connect/credential/v2|${JSON.stringify([
    b.id,
    b.setupId,
    b.tenantId,
    b.clientId,
    b.active ? 1 : 0,
    b.environmentUrl,
  ])}`;
}

export function webhookSecretAad(subscriptionId: string): string {
  return `kantiv-connect/webhook-secret/v1|subscription=${subscriptionId}`;
}

import type { Keyring } from '../config.ts';
import { pingStore, type Store } from '../db/database.ts';
import { open, seal } from '../vault/vault.ts';

export type Readiness = { database: 'ok' | 'failing'; keyring: 'ok' | 'failing' };

/** What `/readyz` checks: the database answers, and the key ring seals and opens. */
export function createReadinessCheck(deps: { store: Store; keyring: () => Keyring }) {
  return async function check(): Promise<Readiness> {
    const database = (await pingStore(deps.store)) ? 'ok' : 'failing';
    let keyring: 'ok' | 'failing' = 'failing';
    try {
      // A round trip through the active key proves the key ring is loaded and usable.
      const probe = seal(deps.keyring(), 'ready', 'readyz');
      keyring = open(deps.keyring(), probe, 'readyz') === 'ready' ? 'ok' : 'failing';
    } catch {
      keyring = 'failing';
    }
    return { database, keyring };
  };
}

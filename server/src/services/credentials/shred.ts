import type { Db } from '../../db/database.ts';

/**
 * The kid a shredded row carries instead of a key-encryption key's. No key ring holds it, so the vault refuses the
 * row before it even looks at the (emptied) wrapped key; the key re-wrap and the AAD upgrade skip it.
 */
export const SHREDDED_KID = 'shredded';

/**
 * Crypto-shreds every credential of a setup (decision 018): the wrapped data key is erased, so the ciphertext that
 * stays in the row, and in every backup taken from now on, can never be opened, under any key-encryption key.
 * Runs in the caller's transaction (the disconnect), so a shred and the state change commit or fail together.
 * Returns how many credentials were shredded now (a row shredded before is not counted again).
 */
export async function shredSetupCredentials(trx: Db, setupId: string): Promise<number> {
  const result = await trx
    .updateTable('credentials')
    .set({ kid: SHREDDED_KID, wrapped_key: '', active: 0 })
    .where('setup_id', '=', setupId)
    .where('kid', '<>', SHREDDED_KID)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

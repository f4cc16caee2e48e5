import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { sealedColumns } from '../src/services/sealed-columns.ts';
import { credentialAad, seal, VaultError } from '../src/vault/vault.ts';
import { describeDialects } from './helpers/databases.ts';
import { bearer, handedOffSetup, handoffBody, useTestApp } from './helpers/app.ts';

const ACTOR = { kind: 'system' as const, id: 'test' };

function keyProblems(key: Buffer): string {
  try {
    loadConfig({ KANTIV_KEYS: `k1:${key.toString('base64')}` });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.join('\n');
  }
  return '';
}

describe('KANTIV_KEYS', () => {
  it('refuses weak keys at start with a clear message', () => {
    expect(keyProblems(Buffer.alloc(32))).toMatch(/key "k1" is weak \(all zero bytes\)/);
    expect(keyProblems(Buffer.alloc(32, 0x41))).toMatch(/key "k1" is weak \(one byte repeated\)/);
    expect(keyProblems(Buffer.from('0123456789abcdef'.repeat(2)))).toBe('');
    expect(keyProblems(Buffer.from('abcd'.repeat(8)))).toMatch(/only 4 distinct byte values/);
    expect(keyProblems(Buffer.from('abcd'.repeat(8)))).toContain('generate-key');
  });
});

describeDialects('credential AAD v2 (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  const credentialsOf = (setupId: string) =>
    ctx.app.store.db
      .selectFrom('credentials')
      .selectAll()
      .where('setup_id', '=', setupId)
      .orderBy('created_at')
      .execute();
  const reveal = (id: string) => ctx.app.credentialStore.reveal(id, 'test', ACTOR);
  /** Points the credential at another host in the database: it must no longer open. */
  const expectUnreadableElsewhere = async (id: string) => {
    await ctx.app.store.db
      .updateTable('credentials')
      .set({ environment_url: 'https://evil.crm.dynamics.com' })
      .where('id', '=', id)
      .execute();
    await expect(reveal(id)).rejects.toBeInstanceOf(VaultError);
  };

  it('a credential pointed at another environment no longer opens', async () => {
    const setup = await handedOffSetup(ctx);
    const [row] = await credentialsOf(setup.id);
    expect((await reveal(row!.id)).secret).toBe(setup.secret);
    await expectUnreadableElsewhere(row!.id);
  });

  it('an older credential switched back on by a database write no longer opens; while off it still does', async () => {
    const setup = await handedOffSetup(ctx);
    // A second hand-off replaces the first credential; the wizard may hand off again only after a failure.
    await ctx.app.store.db
      .updateTable('setups')
      .set({ state: 'failed' })
      .where('id', '=', setup.id)
      .execute();
    const second = handoffBody(setup.tenantId);
    const res = await ctx.call({
      method: 'POST',
      url: '/api/v1/wizard/credentials',
      headers: bearer(setup.token),
      payload: second,
    });
    expect(res.statusCode).toBe(202);
    const [old, current] = await credentialsOf(setup.id);
    expect([old!.active, current!.active]).toEqual([0, 1]);
    // Deactivation resealed the old secret under active = 0: still readable for what it is.
    expect((await reveal(old!.id)).secret).toBe(setup.secret);
    await ctx.app.store.db
      .updateTable('credentials')
      .set({ active: 0 })
      .where('id', '=', current!.id)
      .execute();
    await ctx.app.store.db.updateTable('credentials').set({ active: 1 }).where('id', '=', old!.id).execute();
    await expect(reveal(old!.id)).rejects.toBeInstanceOf(VaultError);
  });

  it('a ciphertext copied onto another credential row does not open there', async () => {
    const setup = await handedOffSetup(ctx);
    const [row] = await credentialsOf(setup.id);
    const copyId = randomUUID();
    await ctx.app.store.db
      .insertInto('credentials')
      .values({ ...row!, id: copyId, idempotency_key: randomUUID(), active: 0 })
      .execute();
    await ctx.app.store.db.updateTable('credentials').set({ active: 0 }).where('id', '=', row!.id).execute();
    await ctx.app.store.db.updateTable('credentials').set({ active: 1 }).where('id', '=', copyId).execute();
    await expect(reveal(copyId)).rejects.toBeInstanceOf(VaultError);
  });

  it('v1 rows stay readable and `rewrap` reseals them under v2, which then binds the environment', async () => {
    const setup = await handedOffSetup(ctx);
    const [row] = await credentialsOf(setup.id);
    const v1 = seal(
      ctx.config.keyring,
      'legacy-secret',
      credentialAad(setup.id, row!.tenant_id, row!.client_id),
    );
    await ctx.app.store.db
      .updateTable('credentials')
      .set({ ...sealedColumns(v1), aad_version: 1 })
      .where('id', '=', row!.id)
      .execute();
    expect((await reveal(row!.id)).secret).toBe('legacy-secret');
    const result = await ctx.app.credentialStore.rewrapAll(ACTOR);
    expect(result.upgraded).toBeGreaterThanOrEqual(1);
    expect(result.failed).toBe(0);
    const [after] = await credentialsOf(setup.id);
    expect(after!.aad_version).toBe(2);
    expect((await reveal(row!.id)).secret).toBe('legacy-secret');
    await expectUnreadableElsewhere(row!.id);
  });
});

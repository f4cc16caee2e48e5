import { parseArgs } from 'node:util';
import { ApiKeyScopeSchema } from '@kantiv/shared/auth';
import { ConfigError, generateKeySpec, loadConfig } from '../config.ts';
import { openStore } from '../db/database.ts';
import { migrateToLatest } from '../db/migrations.ts';
import { createApiKeys } from '../services/api-keys.ts';
import { createAudit } from '../services/audit.ts';
import { createCredentialStore } from '../services/credentials.ts';
import { rewrapSealedWebhookSecrets } from '../services/webhook-rows.ts';

/**
 * Operator commands, configured by the same environment as the server:
 *   migrate                                  apply database migrations
 *   rewrap                                   re-wrap every data key under KANTIV_ACTIVE_KEY (then remove old keys)
 *   create-api-key --name n --scopes a,b     print a new API key once
 *   generate-key [--kid k]                   print a fresh KANTIV_KEYS entry
 *   audit-verify                             check the audit hash chain; names the first broken entry
 */
const USAGE =
  'usage: kantiv-connect <migrate | rewrap | audit-verify | create-api-key --name <name> --scopes <a,b> | generate-key [--kid <kid>]>';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'generate-key') {
    const { values } = parseArgs({ args: rest, options: { kid: { type: 'string' } } });
    console.log(
      generateKeySpec(values.kid ?? `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`),
    );
    return 0;
  }
  const config = loadConfig();
  const store = await openStore(config.database, { migrate: false });
  try {
    const audit = createAudit(store.db, store.dialect);
    switch (command) {
      case 'migrate': {
        const applied = await migrateToLatest(store.db as never, store.dialect);
        console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database is up to date');
        return 0;
      }
      case 'rewrap': {
        await migrateToLatest(store.db as never, store.dialect);
        const actor = { kind: 'system' as const, id: 'rewrap-command' };
        const creds = await createCredentialStore({ store, keyring: () => config.keyring, audit }).rewrapAll(
          actor,
        );
        const hooks = await rewrapSealedWebhookSecrets(
          { db: store.db, keyring: config.keyring, audit },
          actor,
        );
        console.log(
          JSON.stringify({ activeKey: config.keyring.activeKid, credentials: creds, webhookSecrets: hooks }),
        );
        return creds.failed + hooks.failed === 0 ? 0 : 1;
      }
      case 'audit-verify': {
        await migrateToLatest(store.db as never, store.dialect);
        const report = await audit.verify();
        console.log(JSON.stringify(report));
        if (!report.ok) {
          console.error(`audit chain broken at entry ${report.firstBroken.id}: ${report.firstBroken.reason}`);
        }
        return report.ok ? 0 : 1;
      }
      case 'create-api-key': {
        await migrateToLatest(store.db as never, store.dialect);
        const { values } = parseArgs({
          args: rest,
          options: { name: { type: 'string' }, scopes: { type: 'string' } },
        });
        const scopes = (values.scopes ?? '')
          .split(',')
          .filter(Boolean)
          .map((s) => ApiKeyScopeSchema.parse(s));
        if (!values.name || scopes.length === 0) {
          console.error(USAGE);
          return 2;
        }
        const { key } = await createApiKeys({ store, audit }).create(values.name, scopes, {
          kind: 'system',
          id: 'cli',
        });
        console.log(key);
        return 0;
      }
      default:
        console.error(USAGE);
        return 2;
    }
  } finally {
    await store.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : (err as Error).message);
  process.exitCode = 1;
}

import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Dialect } from './database.ts';

/**
 * Migrations live in code (not files found at run time) so that `tsx`, Vitest and a bundled build all see the same
 * list. Each one is written for both dialects; the only differences are auto-increment keys and triggers.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  const serial = (db: Kysely<unknown>, table: string) =>
    dialect === 'postgres'
      ? db.schema.createTable(table).addColumn('id', 'serial', (c) => c.primaryKey())
      : db.schema.createTable(table).addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());

  /** Append-only tables refuse UPDATE and DELETE in the database itself, not only by convention. */
  const appendOnly = async (db: Kysely<unknown>, table: string) => {
    if (dialect === 'postgres') {
      await sql`CREATE OR REPLACE FUNCTION kantiv_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'append-only table'; END; $$ LANGUAGE plpgsql`.execute(db);
      await sql
        .raw(
          `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION kantiv_append_only()`,
        )
        .execute(db);
    } else {
      for (const op of ['UPDATE', 'DELETE']) {
        await sql
          .raw(
            `CREATE TRIGGER ${table}_no_${op.toLowerCase()} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, 'append-only table'); END`,
          )
          .execute(db);
      }
    }
  };

  return {
    '001_initial': {
      async up(db) {
        await db.schema
          .createTable('setups')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('customer_name', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('expected_tenant_domain', 'text')
          .addColumn('environment_hint', 'text')
          .addColumn('manifest', 'text', (c) => c.notNull())
          .addColumn('secret_lifetime_months', 'integer', (c) => c.notNull())
          .addColumn('invite_expires_at', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.unique())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('tenant_id', 'text')
          .addColumn('tenant_domain', 'text')
          .addColumn('admin_username', 'text')
          .addColumn('environment_url', 'text')
          .addColumn('client_id', 'text')
          .addColumn('application_user_id', 'text')
          .addColumn('role_name', 'text')
          .addColumn('credential_kind', 'text')
          .addColumn('credential_source', 'text')
          .addColumn('secret_expires_at', 'text')
          .addColumn('verification', 'text')
          .addColumn('last_error', 'text')
          .addColumn('expiry_notified_at', 'text')
          .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
          .execute();
        await db.schema
          .createIndex('setups_state_updated')
          .on('setups')
          .columns(['state', 'updated_at'])
          .execute();
        await db.schema.createIndex('setups_updated').on('setups').columns(['updated_at', 'id']).execute();

        await db.schema
          .createTable('setup_steps')
          .addColumn('setup_id', 'text', (c) => c.notNull().references('setups.id'))
          .addColumn('step', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('message', 'text')
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('started_at', 'text')
          .addColumn('finished_at', 'text')
          .addColumn('error', 'text')
          .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(-1))
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('setup_steps_pk', ['setup_id', 'step'])
          .execute();

        await serial(db, 'setup_events')
          .addColumn('setup_id', 'text', (c) => c.notNull().references('setups.id'))
          .addColumn('seq', 'integer')
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('step', 'text')
          .addColumn('status', 'text')
          .addColumn('message', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('attempt', 'integer')
          .addColumn('retry_at', 'text')
          .addColumn('error', 'text')
          .addColumn('data', 'text')
          .addUniqueConstraint('setup_events_seq', ['setup_id', 'seq'])
          .execute();
        await db.schema
          .createIndex('setup_events_setup')
          .on('setup_events')
          .columns(['setup_id', 'id'])
          .execute();
        await appendOnly(db, 'setup_events');

        await db.schema
          .createTable('credentials')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('setup_id', 'text', (c) => c.notNull().references('setups.id'))
          .addColumn('idempotency_key', 'text', (c) => c.notNull())
          .addColumn('fingerprint', 'text', (c) => c.notNull())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('environment_url', 'text', (c) => c.notNull())
          .addColumn('application_user_id', 'text')
          .addColumn('role_name', 'text')
          .addColumn('secret_key_id', 'text')
          .addColumn('secret_expires_at', 'text')
          .addColumn('kid', 'text', (c) => c.notNull())
          .addColumn('wrapped_key', 'text', (c) => c.notNull())
          .addColumn('iv', 'text', (c) => c.notNull())
          .addColumn('tag', 'text', (c) => c.notNull())
          .addColumn('ciphertext', 'text', (c) => c.notNull())
          .addColumn('active', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('credentials_idempotency', ['setup_id', 'idempotency_key'])
          .execute();

        await db.schema
          .createTable('jobs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('setup_id', 'text')
          .addColumn('ref_id', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('run_at', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('first_attempt_at', 'text')
          .addColumn('lease_owner', 'text')
          .addColumn('lease_expires_at', 'text')
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();

        await db.schema
          .createTable('api_keys')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('prefix', 'text', (c) => c.notNull())
          .addColumn('key_hash', 'text', (c) => c.notNull().unique())
          .addColumn('scopes', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('last_used_at', 'text')
          .addColumn('revoked_at', 'text')
          .execute();

        await db.schema
          .createTable('webhook_subscriptions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('events', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('owner_api_key_id', 'text')
          .addColumn('kid', 'text', (c) => c.notNull())
          .addColumn('wrapped_key', 'text', (c) => c.notNull())
          .addColumn('iv', 'text', (c) => c.notNull())
          .addColumn('tag', 'text', (c) => c.notNull())
          .addColumn('ciphertext', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('disabled_at', 'text')
          .execute();

        await db.schema
          .createTable('webhook_deliveries')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('subscription_id', 'text', (c) => c.notNull())
          .addColumn('event_type', 'text', (c) => c.notNull())
          .addColumn('setup_id', 'text')
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('last_status_code', 'integer')
          .addColumn('last_response', 'text')
          .addColumn('last_error', 'text')
          .addColumn('next_attempt_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('webhook_deliveries_sub')
          .on('webhook_deliveries')
          .columns(['subscription_id', 'created_at'])
          .execute();

        await serial(db, 'audit_log')
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('actor_kind', 'text', (c) => c.notNull())
          .addColumn('actor_id', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('setup_id', 'text')
          .addColumn('target', 'text')
          .addColumn('details', 'text')
          .execute();
        await db.schema.createIndex('audit_log_setup').on('audit_log').columns(['setup_id', 'id']).execute();
        await appendOnly(db, 'audit_log');
      },
    },
    // Existing credentials stay on AAD v1 (readable as they are) until `rewrap` reseals them under v2.
    '002_credential_aad_version': {
      async up(db) {
        await db.schema
          .alterTable('credentials')
          .addColumn('aad_version', 'integer', (c) => c.notNull().defaultTo(1))
          .execute();
      },
    },
    // Entries from before this migration have no hash; the chain starts at the first entry written after it.
    '003_audit_chain': {
      async up(db) {
        await db.schema.alterTable('audit_log').addColumn('prev_hash', 'text').execute();
        await db.schema.alterTable('audit_log').addColumn('hash', 'text').execute();
      },
    },
    // What the admin lives through while the wizard is open (see services/setups/moments.ts); null on older rows.
    '004_setup_attention': {
      async up(db) {
        for (const column of [
          'attention',
          'attention_since',
          'attention_message',
          'opened_at',
          'admin_seen_at',
        ])
          await db.schema.alterTable('setups').addColumn(column, 'text').execute();
      },
    },
    // Certificate credentials (issue 17): the key pair is made on the server. Existing rows are client secrets.
    '005_credential_kind': {
      async up(db) {
        await db.schema
          .alterTable('credentials')
          .addColumn('kind', 'text', (c) => c.notNull().defaultTo('client_secret'))
          .execute();
        await db.schema.alterTable('credentials').addColumn('thumbprint', 'text').execute();
        await db.schema.alterTable('credentials').addColumn('certificate', 'text').execute();
      },
    },
    // Certificate self-rotation (issue 17, decision 012): one row per rotation away from a credential, its steps and
    // outcome; the history the console shows. A credential is rotated away from at most once (unique), so two
    // instances sweeping at the same moment start one rotation.
    '006_credential_rotation': {
      async up(db) {
        await db.schema
          .createTable('credential_rotations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('setup_id', 'text', (c) => c.notNull())
          .addColumn('from_credential_id', 'text', (c) => c.notNull().unique())
          .addColumn('to_credential_id', 'text')
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('from_thumbprint', 'text')
          .addColumn('from_key_id', 'text')
          .addColumn('to_thumbprint', 'text')
          .addColumn('to_key_id', 'text')
          .addColumn('to_expires_at', 'text')
          .addColumn('application_object_id', 'text')
          .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('last_error', 'text')
          .addColumn('requested_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('completed_at', 'text')
          .execute();
        await db.schema
          .createIndex('credential_rotations_setup')
          .on('credential_rotations')
          .columns(['setup_id', 'created_at'])
          .execute();
      },
    },
    // Expiry notices at 30, 14, 7 and 1 days (issue 17): which threshold was announced for the current credential.
    '007_credential_expiry': {
      async up(db) {
        await db.schema.alterTable('setups').addColumn('expiry_notice_days', 'integer').execute();
      },
    },
    // Scheduled health checks (issue 18, decision 014): the latest answer on the setup, every change in a history.
    '008_setup_health': {
      async up(db) {
        for (const column of [
          'health',
          'health_since',
          'health_checked_at',
          'health_cause',
          'health_organization_id',
          'health_unreachable_since',
        ])
          await db.schema.alterTable('setups').addColumn(column, 'text').execute();
        await serial(db, 'setup_health_history')
          .addColumn('setup_id', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('health', 'text', (c) => c.notNull())
          .addColumn('cause', 'text')
          .execute();
        await db.schema
          .createIndex('setup_health_history_setup')
          .on('setup_health_history')
          .columns(['setup_id', 'id'])
          .execute();
        await db.schema.createIndex('jobs_setup_kind').on('jobs').columns(['setup_id', 'kind']).execute();
      },
    },
    '009_setup_links': {
      async up(db) {
        // The follow-up link (renewal or repair) a verified setup's live token was issued for, and its end.
        for (const column of ['link_purpose', 'link_expires_at'])
          await db.schema.alterTable('setups').addColumn(column, 'text').execute();
      },
    },
    // Issue 21: the audit log names staff (who they were when last seen signed in; the hashed entries keep the object
    // id only, so the chain is unchanged), and webhook subscriptions can be paused and their secret rotated, the
    // previous secret still signing until its grace period ends.
    '011_audit_and_webhooks': {
      async up(db) {
        await db.schema
          .createTable('staff_directory')
          .addColumn('subject', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text')
          .addColumn('email', 'text')
          .addColumn('seen_at', 'text', (c) => c.notNull())
          .execute();
        for (const column of [
          'paused_at',
          'previous_kid',
          'previous_wrapped_key',
          'previous_iv',
          'previous_tag',
          'previous_ciphertext',
          'previous_until',
        ])
          await db.schema.alterTable('webhook_subscriptions').addColumn(column, 'text').execute();
        await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'id']).execute();
      },
    },
  };
}

export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error('migration failed', { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

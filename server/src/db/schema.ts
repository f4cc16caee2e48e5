import type { Generated } from 'kysely';

/**
 * Table types for Kysely. Timestamps are ISO-8601 UTC strings (`toISOString()`): they sort as text and mean the
 * same on SQLite and PostgreSQL. JSON columns are text we parse at the repository edge.
 */
export interface SetupsTable {
  id: string;
  customer_name: string;
  state: string;
  expected_tenant_domain: string | null;
  environment_hint: string | null;
  manifest: string;
  secret_lifetime_months: number;
  invite_expires_at: string;
  /** SHA-256 of the current setup token (never the token). Null after revocation. */
  token_hash: string | null;
  created_at: string;
  updated_at: string;
  created_by: string;
  tenant_id: string | null;
  tenant_domain: string | null;
  admin_username: string | null;
  environment_url: string | null;
  client_id: string | null;
  application_user_id: string | null;
  role_name: string | null;
  credential_kind: string | null;
  credential_source: string | null;
  secret_expires_at: string | null;
  verification: string | null;
  last_error: string | null;
  expiry_notified_at: string | null;
  /** The tightest `credential.expiring` threshold (days) announced for the current credential; null: none yet. */
  expiry_notice_days: number | null;
  /** blocked | wrong_tenant | stopped | idle while the wizard is open; null when nothing needs support. */
  attention: string | null;
  attention_since: string | null;
  attention_message: string | null;
  opened_at: string | null;
  /** The admin's last write through the wizard: idle detection counts from it. */
  admin_seen_at: string | null;
  /** Health checks (migration 008): healthy | degraded | broken; null until the first check of a verified setup. */
  health?: string | null;
  health_since?: string | null;
  health_checked_at?: string | null;
  /** JSON HealthCause of the current health (null when healthy). */
  health_cause?: string | null;
  /** The environment's OrganizationId at the first healthy check: another one means the environment was replaced. */
  health_organization_id?: string | null;
  /** The first of a run of transient failures (Microsoft unavailable); null once a check completes. */
  health_unreachable_since?: string | null;
  /** Follow-up link (migration 009): `renew` | `repair` while a link issued for the verified setup is live. */
  link_purpose?: string | null;
  link_expires_at?: string | null;
  /** Bumped on every change: the status ETag is derived from it. */
  version: number;
}

export interface SetupStepsTable {
  setup_id: string;
  step: string;
  status: string;
  message: string | null;
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  last_seq: number;
  updated_at: string;
}

export interface SetupEventsTable {
  id: Generated<number>;
  setup_id: string;
  seq: number | null;
  type: string;
  source: string;
  step: string | null;
  status: string | null;
  message: string;
  at: string;
  attempt: number | null;
  retry_at: string | null;
  error: string | null;
  data: string | null;
}

export interface CredentialsTable {
  id: string;
  setup_id: string;
  idempotency_key: string;
  fingerprint: string;
  tenant_id: string;
  client_id: string;
  source: string;
  environment_url: string;
  application_user_id: string | null;
  role_name: string | null;
  secret_key_id: string | null;
  secret_expires_at: string | null;
  kid: string;
  wrapped_key: string;
  iv: string;
  tag: string;
  ciphertext: string;
  active: number;
  created_at: string;
  /** Which credentialAad version the ciphertext is bound to (1: setup/tenant/client; 2: also id, active, URL). */
  aad_version: number;
  /**
   * `client_secret` or `certificate` (CredentialKind). For both, `secret_key_id` is Graph's keyId of the credential
   * on the application and `secret_expires_at` its end; the sealed value is the secret or the PKCS#8 private key.
   */
  kind: string;
  /** Certificate: hex SHA-256 thumbprint of the DER. */
  thumbprint: string | null;
  /** Certificate: base64 DER of the public certificate. */
  certificate: string | null;
}

export interface SetupHealthHistoryTable {
  id: Generated<number>;
  setup_id: string;
  at: string;
  health: string;
  cause: string | null;
}

/** One rotation away from a credential (services/credentials/rotation.ts, decision 012); never deleted. */
export interface CredentialRotationsTable {
  id: string;
  setup_id: string;
  from_credential_id: string;
  to_credential_id: string | null;
  /** `scheduled` (before expiry) or `rotate_now` (support: a key thought compromised). */
  reason: string;
  /** pending → generated → added → verified → switched → completed (RotationStatus). */
  status: string;
  from_thumbprint: string | null;
  from_key_id: string | null;
  to_thumbprint: string | null;
  to_key_id: string | null;
  to_expires_at: string | null;
  application_object_id: string | null;
  /** Failed attempts so far (reset by none: the history keeps them). */
  failures: number;
  last_error: string | null;
  requested_by: string;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface JobsTable {
  id: string;
  kind: string;
  setup_id: string | null;
  ref_id: string | null;
  status: string;
  run_at: string;
  attempts: number;
  first_attempt_at: string | null;
  lease_owner: string | null;
  lease_expires_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  prefix: string;
  key_hash: string;
  scopes: string;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface WebhookSubscriptionsTable {
  id: string;
  url: string;
  events: string;
  description: string | null;
  owner_api_key_id: string | null;
  kid: string;
  wrapped_key: string;
  iv: string;
  tag: string;
  ciphertext: string;
  created_at: string;
  created_by: string;
  disabled_at: string | null;
  /** Paused by staff or its owner: kept, but nothing is delivered (migration 011). */
  paused_at: string | null;
  /** The secret before the last rotation, sealed like the current one; it signs too until `previous_until`. */
  previous_kid: string | null;
  previous_wrapped_key: string | null;
  previous_iv: string | null;
  previous_tag: string | null;
  previous_ciphertext: string | null;
  previous_until: string | null;
}

/** Staff as last seen signed in (migration 011): the audit log shows names and e-mails, not object ids. */
export interface StaffDirectoryTable {
  subject: string;
  name: string | null;
  email: string | null;
  seen_at: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  subscription_id: string;
  event_type: string;
  setup_id: string | null;
  payload: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_response: string | null;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor_kind: string;
  actor_id: string;
  action: string;
  setup_id: string | null;
  target: string | null;
  details: string | null;
  /** SHA-256 (hex) of the previous entry's `hash`; null only before the chain began (migration 003). */
  prev_hash: string | null;
  hash: string | null;
}

export interface Database {
  setups: SetupsTable;
  setup_steps: SetupStepsTable;
  setup_events: SetupEventsTable;
  credentials: CredentialsTable;
  credential_rotations: CredentialRotationsTable;
  jobs: JobsTable;
  setup_health_history: SetupHealthHistoryTable;
  api_keys: ApiKeysTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  audit_log: AuditLogTable;
  staff_directory: StaffDirectoryTable;
}

/**
 * The closed list of machine-readable error codes our API returns (`ErrorCodeSchema` in errors.ts). Clients branch on
 * `code`, people read `message`. Add a code here before using it anywhere. A plain list, without zod, so the first
 * wizard page can check an error answer without loading zod (web/src/lib/answer-guards.ts).
 */
export const ERROR_CODES = [
  'bad_request',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'internal_error',
  'service_unavailable',
  'setup_expired',
  'setup_revoked',
  'setup_disconnected',
  'setup_completed',
  'tenant_mismatch',
  'idempotency_conflict',
  'invalid_id_token',
  'credential_rejected',
  'unknown_tenant_domain',
  'environment_already_connected',
] as const;

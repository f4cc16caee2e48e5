import { z } from 'zod';

/**
 * The closed list of machine-readable error codes our API returns. Clients branch on `code`, people read
 * `message`. Add a code here before using it anywhere.
 */
export const ErrorCodeSchema = z.enum([
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
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ApiErrorSchema = z.object({
  error: z.object({
    code: ErrorCodeSchema,
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;

/** Field-level problems, as carried in `details` of a `validation_failed` error. */
export const ValidationIssueSchema = z.object({
  path: z.string(),
  message: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssueSchema>;

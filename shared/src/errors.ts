import { z } from 'zod';
import { ERROR_CODES } from './error-codes.ts';

export { ERROR_CODES };

/**
 * The closed list of machine-readable error codes our API returns. Clients branch on `code`, people read
 * `message`. Add a code here before using it anywhere.
 */
export const ErrorCodeSchema = z.enum(ERROR_CODES);
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

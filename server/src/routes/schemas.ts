import { z } from 'zod';
import { ApiErrorSchema } from '@kantiv/shared/errors';

/** Error responses a route may answer, all in the one shared shape. */
export function errorResponses<const S extends readonly number[]>(
  ...statuses: S
): Record<S[number], typeof ApiErrorSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ApiErrorSchema])) as Record<
    S[number],
    typeof ApiErrorSchema
  >;
}

export const IdParamsSchema = z.object({ id: z.uuid() }).strict();

/** The errors every authenticated route can answer. */
export const AUTH_ERRORS = [400, 401, 403, 404, 429] as const;

import type { z } from 'zod';
import { env } from '../../../config/env.ts';
import { apiRequest, type RequestOptions } from '../../../lib/api-client.ts';
import type { StaffAuth } from './staff-auth.ts';

/** A call to our API as the signed-in staff member: the bearer token is added here and nowhere else. */
export async function consoleRequest<S extends z.ZodType>(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  path: string,
  schema: S,
  options: RequestOptions = {},
): Promise<z.infer<S>> {
  const token = await auth.getAccessToken();
  return apiRequest(env.apiBaseUrl, path, schema, {
    ...options,
    headers: { ...options.headers, authorization: `Bearer ${token}` },
  });
}

/** A list's query string: only the filters that are set (blank strings count as unset), then the page size. */
export function listQuery(filter: Record<string, string | number | undefined>, limit: number): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filter)) {
    const text = typeof value === 'string' ? value.trim() : value;
    if (text !== undefined && text !== '') params.set(name, String(text));
  }
  params.set('limit', String(limit));
  return params.toString();
}

import { ApiErrorSchema } from '@kantiv/shared/errors';
import { env } from '../../../config/env.ts';
import { ApiClientError } from '../../../lib/api-client.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

/** A CSV export route's answer as a file, or its error in the shared shape as an ApiClientError. */
export async function fetchCsv(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  path: string,
  query: URLSearchParams,
): Promise<Blob> {
  const token = await auth.getAccessToken();
  const res = await fetch(`${env.apiBaseUrl}${path}?${query.toString()}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/csv' },
  }).catch(() => {
    throw new ApiClientError(
      0,
      'network_error',
      'Kantiv Connect could not be reached. Check your connection.',
    );
  });
  if (!res.ok) {
    const body = ApiErrorSchema.safeParse(await res.json().catch(() => undefined));
    throw body.success
      ? new ApiClientError(res.status, body.data.error.code, body.data.error.message)
      : new ApiClientError(res.status, 'unexpected_response', `Kantiv Connect answered ${res.status}.`);
  }
  return res.blob();
}

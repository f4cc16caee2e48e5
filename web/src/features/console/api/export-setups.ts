import { ApiErrorSchema } from '@kantiv/shared/errors';
import { consoleApiPaths } from '../../../config/paths.ts';
import { env } from '../../../config/env.ts';
import { ApiClientError } from '../../../lib/api-client.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';
import { setupListQuery, type SetupListFilter } from './get-setups.ts';

/** The CSV of every setup the list's filter matches (the server applies the same search, filters and sort). */
export async function exportSetups(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  filter: SetupListFilter,
): Promise<Blob> {
  const { cursor: _page, limit: _size, ...wanted } = filter;
  const query = new URLSearchParams(setupListQuery(wanted));
  query.delete('limit');
  const token = await auth.getAccessToken();
  const res = await fetch(`${env.apiBaseUrl}${consoleApiPaths.setupsExport}?${query.toString()}`, {
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

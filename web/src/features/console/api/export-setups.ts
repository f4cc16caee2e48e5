import { consoleApiPaths } from '../../../config/paths.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';
import { fetchCsv } from './fetch-csv.ts';
import { setupListQuery, type SetupListFilter } from './get-setups.ts';

/** The CSV of every setup the list's filter matches (the server applies the same search, filters and sort). */
export async function exportSetups(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  filter: SetupListFilter,
): Promise<Blob> {
  const { cursor: _page, limit: _size, ...wanted } = filter;
  const query = new URLSearchParams(setupListQuery(wanted));
  query.delete('limit');
  return fetchCsv(auth, consoleApiPaths.setupsExport, query);
}

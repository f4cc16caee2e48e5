import { consoleApiPaths } from '../../../config/paths.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';
import { fetchCsv } from './fetch-csv.ts';
import { auditQuery, type AuditFilter } from './get-audit-log.ts';

/** The CSV of every audit entry the filter matches (all pages, newest first). */
export async function exportAuditLog(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  filter: AuditFilter,
): Promise<Blob> {
  const { cursor: _page, ...wanted } = filter;
  const query = new URLSearchParams(auditQuery(wanted));
  query.delete('limit');
  return fetchCsv(auth, consoleApiPaths.auditExport, query);
}

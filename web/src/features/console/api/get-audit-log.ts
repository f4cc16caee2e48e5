import { AuditListSchema, type AuditActorKind, type AuditList } from '@kantiv/shared/audit';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest, listQuery } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

export type AuditFilter = { setupId?: string; action?: string; actorKind?: AuditActorKind; cursor?: number };

export function auditQuery({ setupId, action, actorKind, cursor }: AuditFilter): string {
  return listQuery({ setupId, action, actorKind, cursor }, 50);
}

export function getAuditLog(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  filter: AuditFilter,
  signal?: AbortSignal,
): Promise<AuditList> {
  return consoleRequest(auth, `${consoleApiPaths.audit}?${auditQuery(filter)}`, AuditListSchema, { signal });
}

import { AuditListSchema, type AuditActorKind, type AuditList } from '@kantiv/shared/audit';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

export type AuditFilter = { setupId?: string; action?: string; actorKind?: AuditActorKind; cursor?: number };

export function auditQuery({ setupId, action, actorKind, cursor }: AuditFilter): string {
  const params = new URLSearchParams();
  if (setupId) params.set('setupId', setupId);
  if (action) params.set('action', action);
  if (actorKind) params.set('actorKind', actorKind);
  if (cursor !== undefined) params.set('cursor', String(cursor));
  params.set('limit', '50');
  return params.toString();
}

export function getAuditLog(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  filter: AuditFilter,
  signal?: AbortSignal,
): Promise<AuditList> {
  return consoleRequest(auth, `${consoleApiPaths.audit}?${auditQuery(filter)}`, AuditListSchema, {
    ...(signal ? { signal } : {}),
  });
}

import {
  AuditActionListSchema,
  AuditListSchema,
  type AuditActorKind,
  type AuditList,
} from '@kantiv/shared/audit';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest, listQuery } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

export type AuditFilter = {
  setupId?: string;
  action?: string;
  actorKind?: AuditActorKind;
  /** ISO 8601 bounds: entries at or after `from`, before `to`. */
  from?: string;
  to?: string;
  cursor?: number;
};

export function auditQuery({ setupId, action, actorKind, from, to, cursor }: AuditFilter): string {
  return listQuery({ setupId, action, actorKind, from, to, cursor }, 50);
}

/** Every action the log holds, for the filter's list. */
export async function getAuditActions(auth: Pick<StaffAuth, 'getAccessToken'>): Promise<string[]> {
  return (await consoleRequest(auth, consoleApiPaths.auditActions, AuditActionListSchema)).items;
}

export function getAuditLog(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  filter: AuditFilter,
  signal?: AbortSignal,
): Promise<AuditList> {
  return consoleRequest(auth, `${consoleApiPaths.audit}?${auditQuery(filter)}`, AuditListSchema, { signal });
}

import { SetupListSchema, type SetupList, type SetupState } from '@kantiv/shared/setup';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

export type SetupListFilter = { state?: SetupState; q?: string; cursor?: string; limit?: number };

export function setupListQuery({ state, q, cursor, limit = 25 }: SetupListFilter): string {
  const params = new URLSearchParams();
  if (state) params.set('state', state);
  if (q?.trim()) params.set('q', q.trim());
  if (cursor) params.set('cursor', cursor);
  params.set('limit', String(limit));
  return params.toString();
}

export function getSetups(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  filter: SetupListFilter,
  signal?: AbortSignal,
): Promise<SetupList> {
  return consoleRequest(auth, `${consoleApiPaths.setups}?${setupListQuery(filter)}`, SetupListSchema, {
    ...(signal ? { signal } : {}),
  });
}

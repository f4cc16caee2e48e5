import { SetupListSchema, type SetupList, type SetupSort, type SetupState } from '@kantiv/shared/setup';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest, listQuery } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

export type SetupListFilter = {
  state?: SetupState;
  q?: string;
  /** `needed`: only setups that need attention. */
  attention?: 'needed';
  /** Only setups whose credential ends within this many days (or has ended). */
  expiresWithinDays?: number;
  /** The server's default (last activity, newest first) when absent. */
  sort?: SetupSort;
  order?: 'asc' | 'desc';
  cursor?: string;
  limit?: number;
};

export function setupListQuery({
  state,
  q,
  attention,
  expiresWithinDays,
  sort,
  order,
  cursor,
  limit = 25,
}: SetupListFilter): string {
  return listQuery({ state, q, attention, expiresWithinDays, sort, order, cursor }, limit);
}

export function getSetups(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  filter: SetupListFilter,
  signal?: AbortSignal,
): Promise<SetupList> {
  return consoleRequest(auth, `${consoleApiPaths.setups}?${setupListQuery(filter)}`, SetupListSchema, {
    signal,
  });
}

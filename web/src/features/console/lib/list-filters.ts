import { AuditActorKindSchema } from '@kantiv/shared/audit';
import { ExpiresWithinDaysSchema } from '@kantiv/shared/credential-expiry';
import { SetupSortSchema, SetupStateSchema } from '@kantiv/shared/setup';
import type { AuditFilter } from '../api/get-audit-log.ts';
import type { SetupListFilter } from '../api/get-setups.ts';

/** Rows per page of the setups list. */
export const SETUPS_PAGE_SIZE = 25;

/**
 * The list pages keep their filters in the URL (shareable, and Back works); the page and its loader read them here,
 * alike. Unknown values are ignored rather than sent.
 */
export function setupListFilterFrom(params: URLSearchParams): SetupListFilter {
  const state = SetupStateSchema.safeParse(params.get('state'));
  const sort = SetupSortSchema.safeParse(params.get('sort'));
  const order = params.get('order');
  const q = params.get('q') ?? '';
  const cursor = params.get('cursor') ?? undefined;
  const within = ExpiresWithinDaysSchema.safeParse(params.get('expiresWithinDays') ?? undefined);
  return {
    ...(state.success ? { state: state.data } : {}),
    ...(sort.success ? { sort: sort.data } : {}),
    ...(order === 'asc' || order === 'desc' ? { order } : {}),
    ...(params.get('attention') === 'needed' ? { attention: 'needed' as const } : {}),
    ...(q ? { q } : {}),
    ...(within.success ? { expiresWithinDays: within.data } : {}),
    ...(cursor ? { cursor } : {}),
    limit: SETUPS_PAGE_SIZE,
  };
}

export function auditFilterFrom(params: URLSearchParams): AuditFilter {
  const setupId = params.get('setupId') ?? '';
  const action = params.get('action') ?? '';
  const actor = AuditActorKindSchema.safeParse(params.get('actorKind'));
  const cursor = Number(params.get('cursor'));
  // Only well-formed instants pass: a hand-edited URL gives an unfiltered list, not an error page.
  const instant = (name: string) => {
    const v = params.get(name) ?? '';
    return v && !Number.isNaN(Date.parse(v)) ? { [name]: new Date(v).toISOString() } : {};
  };
  return {
    ...(setupId ? { setupId } : {}),
    ...(action ? { action } : {}),
    ...(actor.success ? { actorKind: actor.data } : {}),
    ...instant('from'),
    ...instant('to'),
    ...(Number.isInteger(cursor) && cursor > 0 ? { cursor } : {}),
  };
}

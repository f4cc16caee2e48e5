import type { CredentialSummary } from '@kantiv/shared/credential-expiry';
import type { CredentialKind } from '@kantiv/shared/credentials';
import type { Db } from '../../db/database.ts';
import type { SetupsTable } from '../../db/schema.ts';

/** The public identifiers of a setup's active credential (never its sealed value). */
export type CredentialIds = { keyId: string | null; thumbprint: string | null };

/** Active credentials' public identifiers per setup, in one read (a console page asks for 25 at once). */
export async function activeCredentialIds(db: Db, setupIds: string[]): Promise<Map<string, CredentialIds>> {
  const map = new Map<string, CredentialIds>();
  if (setupIds.length === 0) return map;
  const rows = await db
    .selectFrom('credentials')
    .select(['setup_id', 'secret_key_id', 'thumbprint'])
    .where('setup_id', 'in', setupIds)
    .where('active', '=', 1)
    .execute();
  for (const r of rows) map.set(r.setup_id, { keyId: r.secret_key_id, thumbprint: r.thumbprint });
  return map;
}

/** What the console and API show about a setup's credential; none before the first hand-off. */
export function credentialSummary(
  r: Pick<SetupsTable, 'credential_kind' | 'secret_expires_at' | 'expiry_notice_days'>,
  ids?: CredentialIds,
): CredentialSummary | undefined {
  if (!r.credential_kind) return undefined;
  return {
    kind: r.credential_kind as CredentialKind,
    ...(ids?.keyId ? { keyId: ids.keyId } : {}),
    ...(ids?.thumbprint ? { thumbprintSha256: ids.thumbprint } : {}),
    ...(r.secret_expires_at ? { expiresAt: r.secret_expires_at } : {}),
    ...(r.expiry_notice_days !== null ? { expiringNoticeDays: r.expiry_notice_days } : {}),
  };
}

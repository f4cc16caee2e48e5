import type { CredentialHandoffRequest } from '@kantiv/shared/credentials';
import type { Db } from '../../db/database.ts';
import { HttpError } from '../../lib/http-error.ts';
import type { Actor } from '../audit.ts';
import { pendingCertificateKey, type StoredCredential } from '../credentials.ts';
import type { Change } from '../setups/lifecycle.ts';
import type { SetupRow } from '../setups/repository.ts';

/** Starts the switch to a renewal's certificate (the rotation's `beginRenewal`, in the hand-off's transaction). */
export type RenewalEnds = {
  from: Pick<StoredCredential, 'id' | 'setup_id' | 'thumbprint' | 'secret_key_id'>;
  to: Pick<StoredCredential, 'id' | 'thumbprint' | 'secret_expires_at'>;
};
export type BeginRenewal = (
  trx: Db,
  from: RenewalEnds['from'],
  to: RenewalEnds['to'],
  keyId: string,
  actor: Actor,
) => Promise<{ id: string }>;

const sameOrigin = (a: string, b: string) =>
  new URL(a).origin.toLowerCase() === new URL(b).origin.toLowerCase();

/**
 * A hand-off through a renewal or repair link on the verified setup (decision 013): the new certificate is NOT
 * switched on here. The old credential stays active (token vending keeps answering with it) while the rotation job
 * verifies the new one and switches to it in one transaction. Same application only: no second app.
 */
export async function renewalHandoff(
  deps: { begin: BeginRenewal | undefined },
  current: SetupRow,
  trx: Db,
  req: CredentialHandoffRequest,
  actor: Actor,
): Promise<Change> {
  if (req.credentialKind !== 'certificate' || !req.keyId || !deps.begin)
    throw new HttpError(
      409,
      'conflict',
      'A renewal hands off a certificate made for this setup (POST /api/v1/wizard/certificate first).',
    );
  if (req.clientId.toLowerCase() !== (current.client_id ?? '').toLowerCase())
    throw new HttpError(
      409,
      'conflict',
      `A renewal adds a credential to the setup's own application ${current.client_id ?? ''}, not to another one.`,
    );
  // Read in the hand-off's own transaction (SQLite has one connection: a read beside it would wait forever).
  const columns = ['id', 'setup_id', 'thumbprint', 'secret_key_id', 'secret_expires_at'] as const;
  const mine = trx.selectFrom('credentials').where('setup_id', '=', current.id);
  const from = await mine.select(columns).where('active', '=', 1).executeTakeFirst();
  const to = await mine
    .select([...columns, 'tenant_id', 'client_id', 'environment_url'])
    .where('idempotency_key', '=', pendingCertificateKey(req.keyId))
    .executeTakeFirst();
  if (
    !from ||
    !to ||
    to.tenant_id !== req.tenantId ||
    to.client_id !== req.clientId ||
    !sameOrigin(to.environment_url, req.environmentUrl)
  )
    throw new HttpError(
      409,
      'conflict',
      'No certificate with this keyId was made for this setup, application and environment. Run the credential step again.',
    );
  const rotation = await deps.begin(trx, from, to, req.keyId, actor);
  return {
    events: [
      {
        type: 'action',
        source: 'wizard',
        message:
          'New certificate received: Kantiv verifies it, then switches to it; the current credential keeps working until then',
        data: { rotation: rotation.id, thumbprint: to.thumbprint, purpose: current.link_purpose },
      },
    ],
    audit: 'credential.renewal_received',
    details: { rotationId: rotation.id, credentialId: to.id, purpose: current.link_purpose },
  };
}

import { CERTIFICATE_DISPLAY_NAME } from '@kantiv/shared/naming';
import type {
  CertificateRequest,
  CertificateResponse,
  CredentialHandoffRequest,
  CredentialHandoffResponse,
  Verification,
} from '@kantiv/shared/credentials';
import type { Db } from '../db/database.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import { HttpError } from '../lib/http-error.ts';
import type { Actor, Audit } from './audit.ts';
import { handoffFingerprint, type CredentialStore } from './credentials.ts';
import { renewalHandoff, type BeginRenewal } from './credentials/renewal-handoff.ts';
import type { JobRunner } from './jobs.ts';
import type { SetupRow } from './setups/repository.ts';
import type { Setups } from './setups/service.ts';
import { setStep } from './setups/steps.ts';
import { assertWizardMayRead, assertWizardMayWrite } from './setups/wizard-gate.ts';

/** Only a Dataverse URL's origin names the environment (a trailing slash or a path changes nothing). */
const origin = (url: string) => new URL(url).origin.toLowerCase();

/** The wizard may hand off now, to this setup's tenant and, once a credential was handed off, its environment. */
function assertHandoffAllowed(
  current: SetupRow,
  presented: SetupRow,
  req: Pick<CredentialHandoffRequest, 'tenantId' | 'environmentUrl'>,
  now: Date,
): void {
  // A follow-up link ends on business time (lib/clock.ts), like the credentials it renews.
  assertWizardMayWrite(current, presented, 'handoff', now);
  if (!current.tenant_id) {
    throw new HttpError(
      409,
      'conflict',
      'Sign in with Microsoft first: the setup is not bound to a tenant yet.',
    );
  }
  if (req.tenantId.toLowerCase() !== current.tenant_id.toLowerCase()) {
    throw new HttpError(
      403,
      'tenant_mismatch',
      'This credential belongs to a tenant other than the one you signed in with.',
    );
  }
  // The first hand-off binds the setup to its environment; a repair after a failure may not move it elsewhere.
  if (
    current.credential_kind &&
    current.environment_url &&
    origin(req.environmentUrl) !== origin(current.environment_url)
  ) {
    throw new HttpError(
      403,
      'forbidden',
      `This setup is bound to the environment ${current.environment_url}; a credential for another environment is refused. Ask Kantiv support for a new setup to connect another environment.`,
    );
  }
}

const isUniqueViolation = (err: unknown) => /unique|duplicate key/i.test(String((err as Error).message));

/**
 * The credential hand-off: validated, bound to the setup's tenant, idempotent by key, sealed before storage, and
 * followed by a persisted verification job. Answers with the verification state (202).
 */
export function createHandoff(deps: {
  setups: Setups;
  credentials: CredentialStore;
  jobs: JobRunner;
  audit: Audit;
  clock?: Clock;
  /** A renewal or repair link's hand-off starts a switch (rotation.ts) instead of replacing the credential. */
  beginRenewal?: BeginRenewal;
  /** Refuses an environment and app another setup's working connection holds (environment-claims.ts). */
  assertEnvironmentFree?: (
    setup: SetupRow,
    req: { environmentUrl: string; clientId: string },
  ) => Promise<void>;
}) {
  const { setups, credentials, jobs, audit } = deps;
  // Certificate lifetimes run on business time, like their rotation (lib/clock.ts).
  const clock = deps.clock ?? systemClock;

  /** A secret is sealed now; a certificate was sealed when the server made it and is only switched on here. */
  async function storeCredential(trx: Db, setupId: string, req: CredentialHandoffRequest) {
    if (req.credentialKind !== 'certificate') return credentials.insert(trx, setupId, req);
    const stored = await credentials.activateCertificate(trx, setupId, req);
    if (!stored)
      throw new HttpError(
        409,
        'conflict',
        'No certificate with this keyId was made for this setup, application and environment. Run the credential step again.',
      );
    return stored;
  }

  async function current(setupId: string): Promise<CredentialHandoffResponse> {
    const row = await setups.getRow(setupId);
    const verification: Verification = row.verification
      ? (JSON.parse(row.verification) as Verification)
      : { status: 'pending', attempts: 0 };
    return { setupId, state: row.state, verification };
  }

  return {
    /**
     * Certificate mode, before the hand-off: the server makes the key pair for the app the wizard registered and
     * answers with the public certificate only. Held to the same gate as a hand-off (token, state, tenant, environment).
     */
    async makeCertificate(
      setup: SetupRow,
      req: CertificateRequest,
      actor: Actor,
    ): Promise<CertificateResponse> {
      const current = await setups.getRow(setup.id);
      assertHandoffAllowed(current, setup, req, clock.now());
      await deps.assertEnvironmentFree?.(current, req);
      const made = await credentials.createCertificate(setup.id, req, CERTIFICATE_DISPLAY_NAME, clock.now());
      await audit.record(actor, {
        action: 'credential.certificate_created',
        setupId: setup.id,
        details: { keyId: made.keyId, thumbprintSha256: made.thumbprintSha256, notAfter: made.notAfter },
      });
      return made;
    },

    /** Staff or an API client asks for a fresh verification with the stored credential. */
    async reverify(setupId: string, actor: Actor): Promise<void> {
      const active = await credentials.active(setupId);
      if (!active) throw new HttpError(409, 'conflict', 'This setup has no credential to verify yet.');
      await setups.change(setupId, actor, async (row, trx) => {
        if (row.state === 'revoked') throw new HttpError(409, 'setup_revoked', 'This setup was revoked.');
        await jobs.cancelQueued(trx, 'verification', setupId);
        await jobs.enqueue(trx, { kind: 'verification', setupId, refId: active.id });
        await setStep(trx, setupId, 'verification', 'pending', {
          message: 'Re-verification requested',
          error: null,
          restart: true,
        });
        return {
          move: { to: 'awaiting_verification', on: 'reverify' },
          set: {
            verification: JSON.stringify({ status: 'pending', attempts: 0 }),
            last_error: null,
          },
          events: [
            {
              type: 'action',
              source: actor.kind === 'staff' ? 'staff' : 'system',
              message: 'Re-verification requested',
            },
            {
              type: 'state',
              source: 'server',
              message: 'Awaiting verification',
              data: { state: 'awaiting_verification' },
            },
          ],
          audit: 'setup.reverify_requested',
        };
      });
      jobs.kick();
    },

    async handOff(
      setup: SetupRow,
      req: CredentialHandoffRequest,
      actor: Actor,
    ): Promise<CredentialHandoffResponse> {
      // A replay of a hand-off already stored (same key, same values) writes nothing: it is answered like a read,
      // also after the verification retired the token (within its read grace), so a wizard whose answer was lost
      // on the network learns the outcome instead of a refusal.
      assertWizardMayRead(setup);
      const existing = await credentials.findByIdempotencyKey(setup.id, req.idempotencyKey);
      if (existing) {
        if (existing.fingerprint !== handoffFingerprint(req)) {
          throw new HttpError(
            409,
            'idempotency_conflict',
            'This idempotency key was already used with different values.',
          );
        }
        return current(setup.id);
      }
      // Asks Microsoft about the other connection, so it is not inside the write's transaction below.
      await deps.assertEnvironmentFree?.(await setups.getRow(setup.id), req);
      const verification: Verification = { status: 'pending', attempts: 0 };
      let renewing = false;
      try {
        // Every check is made on the row as it is inside the write's transaction (compare-and-set), not as it was
        // when the token was looked up: a revoke, a verification or a new invite in between wins.
        await setups.change(setup.id, actor, async (current, trx) => {
          assertHandoffAllowed(current, setup, req, clock.now());
          renewing = current.state === 'verified';
          if (renewing) return renewalHandoff({ begin: deps.beginRenewal }, current, trx, req, actor);
          const stored = await storeCredential(trx, setup.id, req);
          await jobs.cancelQueued(trx, 'verification', setup.id);
          await jobs.enqueue(trx, { kind: 'verification', setupId: setup.id, refId: stored.id });
          await setStep(trx, setup.id, 'handoff', 'succeeded', {
            message: 'Credential received and sealed',
            error: null,
          });
          await setStep(trx, setup.id, 'verification', 'pending', {
            message: 'Waiting to verify',
            error: null,
          });
          return {
            move: { to: 'awaiting_verification', on: 'hand_off' },
            set: {
              client_id: req.clientId,
              environment_url: stored.environment_url,
              application_user_id: req.applicationUserId ?? null,
              role_name: req.roleName ?? current.role_name,
              credential_kind: req.credentialKind ?? 'client_secret',
              credential_source: req.source,
              // A certificate's end is the one our server wrote into it, not something the browser says.
              secret_expires_at: req.secretExpiresAt ?? stored.secret_expires_at ?? null,
              verification: JSON.stringify(verification),
              last_error: null,
              expiry_notified_at: null,
              expiry_notice_days: null,
            },
            events: [
              {
                type: 'step',
                source: 'server',
                step: 'handoff',
                status: 'succeeded',
                message: 'Credential received and sealed',
                data: { clientId: req.clientId },
              },
              {
                type: 'state',
                source: 'server',
                message: 'Awaiting verification',
                data: { state: 'awaiting_verification' },
              },
            ],
            audit: 'credential.stored',
            details: { credentialId: stored.id, clientId: req.clientId, source: req.source },
          };
        });
      } catch (err) {
        // Two concurrent retries with the same key: the loser sees the winner's row.
        if (isUniqueViolation(err)) {
          const again = await credentials.findByIdempotencyKey(setup.id, req.idempotencyKey);
          if (again?.fingerprint === handoffFingerprint(req)) return current(setup.id);
          if (again)
            throw new HttpError(
              409,
              'idempotency_conflict',
              'This idempotency key was already used with different values.',
            );
        }
        throw err;
      }
      jobs.kick();
      if (renewing) return current(setup.id);
      return { setupId: setup.id, state: 'awaiting_verification', verification };
    },
  };
}
export type Handoff = ReturnType<typeof createHandoff>;

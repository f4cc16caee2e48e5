import type { Verification } from '@kantiv/shared/credentials';
import type { Manifest } from '@kantiv/shared/manifest';
import type { Config } from '../config.ts';
import { VaultError } from '../vault/vault.ts';
import type { Actor } from './audit.ts';
import type { CredentialStore } from './credentials.ts';
import type { Job, JobOutcome } from './jobs.ts';
import { appCredential, MicrosoftError, type AppCredential, type MicrosoftClient } from './microsoft.ts';
import { StateConflict } from './setups/lifecycle.ts';
import type { Setups } from './setups/service.ts';
import { setStep } from './setups/steps.ts';
import type { Webhooks } from './webhooks.ts';

const VERIFIER: Actor = { kind: 'system', id: 'verification' };

const FIXES: Record<string, string> = {
  AADSTS7000215:
    'The client secret was refused. Run the setup again so a new secret is created and handed off.',
  AADSTS700027:
    'Microsoft does not know the certificate Kantiv handed off (it was removed from the app registration, or never replicated). Run the setup again so a new certificate is added.',
  AADSTS700016:
    'Microsoft has not yet replicated the app registration. This usually resolves within minutes.',
  AADSTS500011:
    'Microsoft found no Dataverse environment at this URL in your tenant. Check the environment URL (Power Platform admin center, environment details) and that the environment belongs to this tenant.',
  '0x8004f510':
    'Dataverse does not know the app yet. This usually resolves within minutes; otherwise check the app is in the same tenant as the environment.',
  application_user_mismatch:
    'The credential signs in as a different Dataverse user than the one the setup created. Re-run the application-user step.',
  credential_unreadable:
    'The stored credential failed its integrity check and was not used. Run the setup again to hand off a new credential.',
  environment_not_allowed:
    'Use the Dataverse URL of the environment, as Power Platform admin center shows it (https://<org>.crm.dynamics.com).',
  table_access_denied:
    'The security role lacks a privilege from the manifest. Re-run the security-role step.',
};

/**
 * How long to wait after attempt `attempts` (1 for the first) before the next: the base doubled per attempt, capped
 * at the maximum, with ±20 % jitter so many verifications do not retry together; never sooner than Microsoft's
 * `Retry-After`. `random` is a number in [0, 1), `Math.random()` unless a test fixes it.
 */
export function retryDelayMs(
  attempts: number,
  config: Pick<Config['verification'], 'retryBaseMs' | 'retryMaxMs'>,
  retryAfterMs: number | undefined,
  random: number = Math.random(),
): number {
  const backoff = Math.min(config.retryMaxMs, config.retryBaseMs * 2 ** Math.max(0, attempts - 1));
  return Math.max(retryAfterMs ?? 0, backoff * (0.8 + random * 0.4));
}

/**
 * The verification job: client credentials with the stored secret (msal-node), WhoAmI must be the application user
 * the engine created, then one read per manifest table. Replication errors retry with backoff inside the
 * configured window, shown as `waiting`; anything else fails with Microsoft's code and a fix.
 */
export function createVerifier(deps: {
  setups: Setups;
  credentials: CredentialStore;
  microsoft: MicrosoftClient;
  webhooks: Webhooks;
  config: Config['verification'];
}) {
  const { setups, credentials, microsoft } = deps;

  async function record(
    setupId: string,
    verification: Verification,
    state: 'verified' | 'failed' | undefined,
    message: string,
    extra: {
      retryAt?: string;
      stepStatus: 'running' | 'waiting' | 'succeeded' | 'failed';
      requestId?: string | undefined;
    },
  ) {
    await setups.change(setupId, VERIFIER, async (_row, trx) => {
      const err = verification.error;
      // Microsoft's request id goes with the step error, so support can quote it to Microsoft.
      const stepError = err
        ? {
            code: err.code,
            message: err.message,
            ...(err.fix ? { fix: err.fix } : {}),
            ...(extra.requestId ? { requestId: extra.requestId } : {}),
          }
        : undefined;
      await setStep(trx, setupId, 'verification', extra.stepStatus, {
        message,
        attempt: verification.attempts,
        error: stepError ?? null,
      });
      return {
        ...(state
          ? { move: { to: state, on: state === 'verified' ? 'verified' : 'verification_failed' } }
          : {}),
        set: {
          verification: JSON.stringify(verification),
          ...(verification.applicationUserId ? { application_user_id: verification.applicationUserId } : {}),
          last_error:
            err && extra.stepStatus === 'failed'
              ? JSON.stringify({ code: err.code, message: err.message })
              : null,
        },
        events: [
          {
            type: 'verification',
            source: 'server',
            step: 'verification',
            status: extra.stepStatus,
            message,
            attempt: verification.attempts,
            ...(extra.retryAt ? { retryAt: extra.retryAt } : {}),
            ...(stepError ? { error: stepError } : {}),
            data: { verificationStatus: verification.status, ...(state ? { state } : {}) },
          },
          ...(state
            ? [
                {
                  type: 'state' as const,
                  source: 'server' as const,
                  message: state === 'verified' ? 'Connection verified' : 'Verification failed',
                  data: { state },
                },
              ]
            : []),
        ],
        ...(state
          ? {
              audit: state === 'verified' ? 'setup.verified' : 'setup.verification_failed',
              details: err ? { code: err.code } : {},
            }
          : {}),
      };
    });
    if (state === 'verified' || state === 'failed') {
      await deps.webhooks.emit(state === 'verified' ? 'setup.verified' : 'setup.failed', setupId);
    }
  }

  /** A result the lifecycle refuses (the setup was revoked while Microsoft answered) ends the job quietly. */
  async function run(job: Job): Promise<JobOutcome> {
    try {
      return await verify(job);
    } catch (err) {
      if (err instanceof StateConflict) return { outcome: 'done' };
      throw err;
    }
  }

  async function verify(job: Job): Promise<JobOutcome> {
    const setupId = job.setup_id;
    if (!setupId || !job.ref_id) return { outcome: 'failed', error: 'job without setup' };
    const setup = await setups.getRow(setupId);
    if (setup.state === 'revoked') return { outcome: 'done' };
    const active = await credentials.active(setupId);
    if (!active || active.id !== job.ref_id) return { outcome: 'done' }; // superseded by a newer hand-off
    const manifest = JSON.parse(setup.manifest) as Manifest;
    const attempts = job.attempts;
    const startedAt = Date.parse(job.first_attempt_at ?? new Date().toISOString());
    const elapsed = () => Date.now() - startedAt;
    const privilegeGrace = Math.min(deps.config.maxWaitMs, deps.config.privilegeGraceMs);
    await record(
      setupId,
      { status: 'running', attempts },
      undefined,
      `Verifying the connection (attempt ${attempts})`,
      { stepStatus: 'running' },
    );

    try {
      let credential: AppCredential;
      try {
        const opened = await credentials.reveal(active.id, 'verification', VERIFIER);
        credential = appCredential(opened.credential, opened.secret);
      } catch (err) {
        if (err instanceof VaultError)
          throw new MicrosoftError(
            'credential_unreadable',
            'The stored credential could not be opened.',
            'permanent',
          );
        throw err;
      }
      const token = await microsoft.acquireAppToken({
        tenantId: active.tenant_id,
        clientId: active.client_id,
        credential,
        resource: active.environment_url,
      });
      const who = (await microsoft.dataverseGet(active.environment_url, 'WhoAmI', token.accessToken)) as {
        UserId?: string;
      };
      const userId = typeof who.UserId === 'string' ? who.UserId.toLowerCase() : undefined;
      if (!userId) throw new MicrosoftError('whoami_failed', 'WhoAmI returned no UserId.', 'permanent');
      if (active.application_user_id && active.application_user_id.toLowerCase() !== userId) {
        throw new MicrosoftError(
          'application_user_mismatch',
          `WhoAmI returned user ${userId}, not the application user ${active.application_user_id}.`,
          'permanent',
        );
      }
      const tables: NonNullable<Verification['tables']> = [];
      for (const t of manifest.tables) {
        try {
          await microsoft.dataverseGet(active.environment_url, `${t.entitySet}?$top=1`, token.accessToken);
          tables.push({ table: t.table, ok: true });
        } catch (err) {
          // A missing privilege is retried for a short grace (the privilege cache may lag the role assignment),
          // then it is an answer: the table is not readable.
          if (err instanceof MicrosoftError && err.kind === 'privilege' && elapsed() < privilegeGrace)
            throw err;
          if (err instanceof MicrosoftError && err.kind !== 'permanent' && err.kind !== 'privilege')
            throw err;
          const e = err as MicrosoftError;
          tables.push({ table: t.table, ok: false, error: { code: e.code, message: e.message } });
        }
      }
      const denied = tables.filter((t) => !t.ok);
      const checkedAt = new Date().toISOString();
      if (denied.length > 0) {
        const message = `No read access to ${denied.map((t) => t.table).join(', ')}.`;
        await record(
          setupId,
          {
            status: 'failed',
            attempts,
            checkedAt,
            applicationUserId: userId,
            tables,
            error: { code: 'table_access_denied', message, fix: FIXES.table_access_denied },
          },
          'failed',
          message,
          { stepStatus: 'failed' },
        );
        return { outcome: 'done' };
      }
      await record(
        setupId,
        { status: 'succeeded', attempts, checkedAt, applicationUserId: userId, tables },
        'verified',
        'Connection verified: WhoAmI and every table read succeeded',
        { stepStatus: 'succeeded' },
      );
      return { outcome: 'done' };
    } catch (err) {
      if (err instanceof StateConflict) throw err;
      const e =
        err instanceof MicrosoftError
          ? err
          : new MicrosoftError('verification_error', 'Verification could not complete.', 'transient');
      const secretGrace = Math.min(deps.config.maxWaitMs, deps.config.secretGraceMs);
      const retryable =
        e.kind === 'replication' ||
        e.kind === 'transient' ||
        // A secret the admin typed by hand was made minutes before (they copied it, then walked the manual steps):
        // Entra refusing it means a wrong value (often the Secret ID), not replication, so it is not waited on.
        (e.kind === 'secret' && active.source !== 'manual' && elapsed() < secretGrace) ||
        (e.kind === 'privilege' && elapsed() < privilegeGrace);
      const error = {
        code: e.code,
        message: e.message,
        ...((FIXES[e.code] ?? FIXES[e.code.toLowerCase()])
          ? { fix: FIXES[e.code] ?? FIXES[e.code.toLowerCase()] }
          : {}),
      };
      if (retryable && elapsed() < deps.config.maxWaitMs) {
        const at = new Date(Date.now() + retryDelayMs(attempts, deps.config, e.retryAfterMs));
        await record(
          setupId,
          { status: 'waiting', attempts, error },
          undefined,
          `Waiting for Microsoft to catch up (${e.code}); retrying`,
          { stepStatus: 'waiting', retryAt: at.toISOString(), requestId: e.requestId },
        );
        return { outcome: 'retry', at, error: e.code };
      }
      await record(
        setupId,
        { status: 'failed', attempts, checkedAt: new Date().toISOString(), error },
        'failed',
        `Verification failed: ${e.message}`,
        { stepStatus: 'failed', requestId: e.requestId },
      );
      return { outcome: 'done' };
    }
  }

  return { run };
}

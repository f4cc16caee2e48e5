import type { EnvironmentCheckResponse, EnvironmentClaim } from '@kantiv/shared/environment-claims';
import type { Verification } from '@kantiv/shared/credentials';
import type { Db } from '../db/database.ts';
import { HttpError } from '../lib/http-error.ts';
import { parseJson, type SetupRow } from './setups/repository.ts';

type Health = 'healthy' | 'degraded' | 'broken';

/** Only a Dataverse URL's origin names the environment (a trailing slash or a path changes nothing). */
const origin = (url: string) => new URL(url).origin.toLowerCase();

const claimOf = (row: SetupRow): EnvironmentClaim => ({
  environmentUrl: origin(row.environment_url ?? ''),
  connectedBy: row.admin_username,
  connectedAt: parseJson<Verification>(row.verification)?.checkedAt ?? row.updated_at,
  clientId: row.client_id,
});

/**
 * One connection per environment (issue 15 item 3, decision 010's one app per tenant): an invite for an environment
 * another setup of the tenant connected must not make a second connection beside a working one — the admin needs a
 * repair link from support for that one instead. The block holds only while the other connection works, checked
 * again at the moment of the decision (a recorded "healthy" may be hours old): a connection that broke, or a setup
 * revoked or disconnected, is replaced by the new setup. The server decides; the wizard only asks it first.
 */
export function createEnvironmentClaims(deps: {
  db: Db;
  /** A fresh health check of a verified setup (health/checks.ts); undefined when Microsoft did not answer. */
  checkNow: (setupId: string) => Promise<Health | undefined>;
}) {
  /**
   * Verified setups of `setup`'s tenant other than `setup`, optionally for one environment and one app. The app
   * matters at the hand-off: two setups of one app in one environment share its one application user there, so
   * either one's repair or disconnect changes the other's; another app (a manual setup's own) is its own connection.
   */
  async function others(setup: SetupRow, environmentUrl?: string, clientId?: string): Promise<SetupRow[]> {
    if (!setup.tenant_id) return [];
    const rows = await deps.db
      .selectFrom('setups')
      .selectAll()
      .where('tenant_id', '=', setup.tenant_id)
      .where('state', '=', 'verified')
      .where('id', '!=', setup.id)
      .where('environment_url', 'is not', null)
      .execute();
    return (rows as SetupRow[]).filter(
      (r) =>
        (!environmentUrl || origin(r.environment_url ?? '') === origin(environmentUrl)) &&
        (!clientId || r.client_id?.toLowerCase() === clientId.toLowerCase()),
    );
  }

  async function check(
    setup: SetupRow,
    environmentUrl: string,
    clientId?: string,
  ): Promise<EnvironmentCheckResponse> {
    const url = origin(environmentUrl);
    const rows = await others(setup, url, clientId);
    let replaced: SetupRow | undefined;
    for (const row of rows) {
      // Already known not to work: no need to ask Microsoft again.
      if (row.health === 'degraded' || row.health === 'broken') {
        replaced ??= row;
        continue;
      }
      const health = await deps.checkNow(row.id);
      // Microsoft did not answer: nothing shows the connection works, so the admin is not stopped on a guess.
      if (health === 'healthy') return { environmentUrl: url, status: 'connected', claim: claimOf(row) };
      replaced ??= row;
    }
    return replaced
      ? { environmentUrl: url, status: 'replaces', claim: claimOf(replaced) }
      : { environmentUrl: url, status: 'free' };
  }

  return {
    /** What the environment page marks: every environment of the tenant another verified setup connected. */
    async list(setup: SetupRow): Promise<EnvironmentClaim[]> {
      const seen = new Map<string, EnvironmentClaim>();
      for (const row of await others(setup)) {
        const claim = claimOf(row);
        const before = seen.get(claim.environmentUrl);
        if (!before || before.connectedAt < claim.connectedAt) seen.set(claim.environmentUrl, claim);
      }
      return [...seen.values()];
    },

    check,

    /** Refuses (409) a certificate or hand-off for an environment another setup's working connection holds. */
    async assertFree(setup: SetupRow, req: { environmentUrl: string; clientId: string }): Promise<void> {
      const answer = await check(setup, req.environmentUrl, req.clientId);
      if (answer.status !== 'connected') return;
      const by = answer.claim?.connectedBy ? ` by ${answer.claim.connectedBy}` : '';
      throw new HttpError(
        409,
        'environment_already_connected',
        `${answer.environmentUrl} is already connected to Kantiv${by} (${answer.claim?.connectedAt ?? ''}) and that connection works; a second one is not made. If it needs fixing, ask Kantiv support for a repair link.`,
        answer.claim,
      );
    },
  };
}
export type EnvironmentClaims = ReturnType<typeof createEnvironmentClaims>;

import type { Manifest, PrivilegeDepth } from '@kantiv/shared/manifest';
import { VaultError } from '../../vault/vault.ts';
import type { Actor } from '../audit.ts';
import type { CredentialStore } from '../credentials.ts';
import { appCredential, MicrosoftError, type MicrosoftClient } from '../microsoft.ts';
import type { SetupRow } from '../setups/repository.ts';
import {
  classify,
  missingEntry,
  privilegeDrift,
  replacedEnvironment,
  type Finding,
  type Missing,
  type SetupFacts,
} from './drift.ts';

const CHECKER: Actor = { kind: 'system', id: 'health-check' };
const DEPTH_RANK: Record<PrivilegeDepth, number> = { Basic: 0, Local: 1, Deep: 2, Global: 3 };

export type ProbeResult = { finding: Finding; organizationId?: string };

type Dv = (path: string) => Promise<unknown>;

/**
 * The privileges the application user holds through its roles, by name and deepest depth, read with its own token
 * (`systemuserroles_association`, then `RetrieveRolePrivilegesRole` per role). Only when the manifest grants Read on
 * both `systemuser` and `role`; otherwise undefined and the per-table reads speak for the privileges.
 */
async function heldPrivileges(
  dv: Dv,
  manifest: Manifest,
  userId: string,
): Promise<{ roles: string[]; held: Map<string, PrivilegeDepth> } | undefined> {
  const reads = (table: string) =>
    manifest.tables.some((t) => t.table === table && t.access.includes('Read'));
  if (!reads('systemuser') || !reads('role')) return undefined;
  try {
    const roles = (await dv(`systemusers(${userId})/systemuserroles_association?$select=roleid,name`)) as {
      value?: { roleid: string; name: string }[];
    };
    const held = new Map<string, PrivilegeDepth>();
    for (const role of roles.value ?? []) {
      const privileges = (await dv(`RetrieveRolePrivilegesRole(RoleId=${role.roleid})`)) as {
        RolePrivileges?: { PrivilegeName: string; Depth: PrivilegeDepth }[];
      };
      for (const p of privileges.RolePrivileges ?? []) {
        const before = held.get(p.PrivilegeName);
        if (!before || DEPTH_RANK[p.Depth] > DEPTH_RANK[before]) held.set(p.PrivilegeName, p.Depth);
      }
    }
    return { roles: (roles.value ?? []).map((r) => r.name), held };
  } catch (err) {
    if (err instanceof MicrosoftError && err.kind === 'transient') throw err;
    return undefined; // the role read itself was refused: fall back to the table reads
  }
}

/** Manifest privileges missing from `held`, or held at a shallower depth than the manifest asks. */
function missingFrom(manifest: Manifest, held: Map<string, PrivilegeDepth>): Missing[] {
  const out: Missing[] = [];
  for (const t of manifest.tables)
    for (const access of t.access) {
      const name = `prv${access}${t.schemaName}`;
      const depth = held.get(name);
      if (!depth || DEPTH_RANK[depth] < DEPTH_RANK[t.depth]) out.push(missingEntry(manifest, name));
    }
  return out;
}

/**
 * One health check: the verification's probes again (token, WhoAmI as the application user, one read per manifest
 * table) plus the privileges still held. Never writes anything in the customer's tenant.
 */
export async function probe(
  deps: { credentials: CredentialStore; microsoft: MicrosoftClient },
  row: SetupRow,
  manifest: Manifest,
  facts: SetupFacts,
): Promise<ProbeResult> {
  const active = await deps.credentials.active(row.id);
  if (!active)
    return {
      finding: {
        health: 'broken',
        cause: {
          code: 'credential_missing',
          message: 'Kantiv holds no credential for this connection.',
          fix: "Send the customer's admin a renewal link to hand a new credential to Kantiv.",
          link: 'renewal',
        },
      },
    };
  let token: string;
  try {
    const opened = await deps.credentials.reveal(active.id, 'health-check', CHECKER);
    token = (
      await deps.microsoft.acquireAppToken({
        tenantId: active.tenant_id,
        clientId: active.client_id,
        credential: appCredential(opened.credential, opened.secret),
        resource: active.environment_url,
      })
    ).accessToken;
  } catch (err) {
    if (err instanceof VaultError)
      return {
        finding: {
          health: 'broken',
          cause: {
            code: 'credential_unreadable',
            message: 'The stored credential failed its integrity check and was not used.',
            fix: "Send the customer's admin a renewal link to hand a new credential to Kantiv.",
            link: 'renewal',
          },
        },
      };
    return { finding: classify(err, 'token', facts) };
  }
  const dv: Dv = (path) => deps.microsoft.dataverseGet(active.environment_url, path, token);
  let userId: string;
  let organizationId: string | undefined;
  try {
    const who = (await dv('WhoAmI')) as { UserId?: string; OrganizationId?: string };
    userId = String(who.UserId ?? '').toLowerCase();
    organizationId = who.OrganizationId?.toLowerCase();
  } catch (err) {
    return { finding: classify(err, 'whoami', facts) };
  }
  // Another database at the same URL first: a copy also brings another application user.
  const baseline = row.health_organization_id;
  if (baseline && organizationId && baseline !== organizationId)
    return { finding: replacedEnvironment(facts, baseline, organizationId), organizationId };
  const expected = (active.application_user_id ?? row.application_user_id)?.toLowerCase();
  if (expected && expected !== userId)
    return {
      finding: {
        health: 'broken',
        cause: {
          code: 'application_user_replaced',
          message: `The app signs in as Dataverse user ${userId}, not the application user ${expected} the setup created: it was deleted and created again, or the environment was copied over.`,
          fix: 'Send a repair link: the wizard gives the current application user the Kantiv role, and the health check accepts it.',
          link: 'repair',
        },
      },
    };

  try {
    const listed = await heldPrivileges(dv, manifest, userId);
    const missing = new Map<string, Missing>();
    let roleAssigned = listed ? listed.roles.includes(facts.roleName) : true;
    if (listed) for (const m of missingFrom(manifest, listed.held)) missing.set(m.privilege, m);
    let readable = 0;
    for (const t of manifest.tables) {
      try {
        await dv(`${t.entitySet}?$top=1`);
        readable += 1;
      } catch (err) {
        if (!(err instanceof MicrosoftError) || err.kind === 'transient') throw err;
        if (err.kind !== 'privilege') return { finding: classify(err, 'whoami', facts), organizationId };
        const name = /missing (prv\w+) privilege/.exec(err.message)?.[1] ?? `prvRead${t.schemaName}`;
        missing.set(name, missingEntry(manifest, name));
        if (/roleCount=0\b/.test(err.message)) roleAssigned = false;
      }
    }
    if (missing.size === 0) return { finding: { health: 'healthy' }, organizationId };
    return {
      finding: privilegeDrift(facts, [...missing.values()], roleAssigned, readable === 0),
      organizationId,
    };
  } catch (err) {
    return { finding: classify(err, 'whoami', facts), organizationId };
  }
}

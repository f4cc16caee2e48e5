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

/** Deepest depth per privilege name, from Dataverse's `RolePrivileges` answers. */
function deepest(
  held: Map<string, PrivilegeDepth>,
  privileges: { PrivilegeName: string; Depth: PrivilegeDepth }[],
) {
  for (const p of privileges) {
    const before = held.get(p.PrivilegeName);
    if (!before || DEPTH_RANK[p.Depth] > DEPTH_RANK[before]) held.set(p.PrivilegeName, p.Depth);
  }
}

/**
 * The privileges the application user holds through its roles, by name and deepest depth, read with its own token.
 * With Read on `systemuser` and `role` in the manifest: its roles (`systemuserroles_association`), then
 * `RetrieveRolePrivilegesRole` per role, so a role taken away is named too. With Read on `systemuser` only (the
 * default manifest): `RetrieveUserPrivileges` on the user, so a removed Create/Write/Append/AppendTo/Delete is seen
 * although no read probe meets it (roles unknown: undefined). Neither: undefined, and the per-table reads speak.
 */
async function heldPrivileges(
  dv: Dv,
  manifest: Manifest,
  userId: string,
): Promise<{ roles: string[] | undefined; held: Map<string, PrivilegeDepth> } | undefined> {
  const reads = (table: string) =>
    manifest.tables.some((t) => t.table === table && t.access.includes('Read'));
  if (!reads('systemuser')) return undefined;
  type Answer = { RolePrivileges?: { PrivilegeName: string; Depth: PrivilegeDepth }[] };
  try {
    const held = new Map<string, PrivilegeDepth>();
    if (!reads('role')) {
      const mine = (await dv(
        `systemusers(${userId})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`,
      )) as Answer;
      deepest(held, mine.RolePrivileges ?? []);
      return { roles: undefined, held };
    }
    const roles = (await dv(`systemusers(${userId})/systemuserroles_association?$select=roleid,name`)) as {
      value?: { roleid: string; name: string }[];
    };
    for (const role of roles.value ?? []) {
      const privileges = (await dv(`RetrieveRolePrivilegesRole(RoleId=${role.roleid})`)) as Answer;
      deepest(held, privileges.RolePrivileges ?? []);
    }
    return { roles: (roles.value ?? []).map((r) => r.name), held };
  } catch (err) {
    if (err instanceof MicrosoftError && err.kind === 'transient') throw err;
    return undefined; // the read itself was refused (its own privilege gone): fall back to the table reads
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
    let roleAssigned = listed?.roles ? listed.roles.includes(facts.roleName) : true;
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

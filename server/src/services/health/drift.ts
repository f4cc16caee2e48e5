import type { ConnectionHealth, HealthCause } from '@kantiv/shared/connection-health';
import type { Manifest, PrivilegeDepth } from '@kantiv/shared/manifest';
import { MicrosoftError } from '../microsoft.ts';

/** What a check found: a health and, unless healthy, its cause. `transient` is Microsoft failing, not drift. */
export type Finding =
  | { health: 'healthy' }
  | { health: Exclude<ConnectionHealth, 'healthy'>; cause: HealthCause }
  | { transient: MicrosoftError };

/** Where the probe stood when Microsoft answered. */
export type Stage = 'token' | 'whoami';

export type SetupFacts = {
  clientId: string;
  environmentUrl: string;
  roleName: string;
  credentialKind: string;
  /** When the stored credential expires (a secret's end date), if known. */
  credentialExpiresAt?: string | null;
  now: number;
};

/** Access levels as the Power Platform admin center names them in a security role. */
export const ACCESS_LEVEL: Record<PrivilegeDepth, string> = {
  Basic: 'User',
  Local: 'Business Unit',
  Deep: 'Parent: Child Business Units',
  Global: 'Organization',
};

const ENTRA = 'Microsoft Entra admin center (entra.microsoft.com)';
const PPAC = 'Power Platform admin center (admin.powerplatform.microsoft.com)';
const APP_USERS = (env: string) =>
  `${PPAC} → Environments → the environment at ${env} → Settings → Users + permissions → Application users`;

const broken = (cause: HealthCause): Finding => ({ health: 'broken', cause });

/** A token request Entra refused, named as the drift it means (decision 014 lists every kind). */
function tokenDrift(e: MicrosoftError, f: SetupFacts): Finding | undefined {
  const certificate = f.credentialKind === 'certificate';
  const what = certificate ? 'certificate' : 'client secret';
  if (
    e.code === 'AADSTS7000215' ||
    e.code === 'AADSTS700027' ||
    e.code === 'AADSTS7000222' ||
    e.code === 'AADSTS1000502'
  ) {
    // An expired certificate: AADSTS1000502 ("not within its specified validity window"), or AADSTS700027 told
    // apart from a removed one by its reason ("The key used is expired."). Ledger R18-1.
    const expired =
      e.code === 'AADSTS7000222' ||
      e.code === 'AADSTS1000502' ||
      /key used is expired/i.test(e.message) ||
      (f.credentialExpiresAt ? Date.parse(f.credentialExpiresAt) <= f.now : false);
    return broken({
      code: expired ? 'credential_expired' : 'credential_removed',
      message: expired
        ? `The ${what} Kantiv holds for app ${f.clientId} expired on ${f.credentialExpiresAt ?? ''}.`
        : `Entra refused the ${what} Kantiv holds for app ${f.clientId}: it was removed from the app registration (or replaced).`,
      // A renewal run always adds a certificate: on a secret setup it is also the upgrade from secret to certificate.
      // A secret → secret renewal is refused (decision 013): where the tenant forbids certificates, the plan says so.
      fix: `Send the customer's admin a renewal link: the wizard adds a new certificate to the same app and hands it to Kantiv, nothing else changes${certificate ? '' : ' (this also upgrades the connection from a client secret to a certificate; a certificate never has to be copied by hand)'}. If the tenant's policy forbids certificates for this app, the renewal's plan says so before anything is changed: allow certificates for the app, or have support renew it by the manual path. To look first: ${ENTRA} → App registrations → ${f.clientId} → Certificates & secrets.`,
      link: 'renewal',
      microsoftCode: e.code,
    });
  }
  if (e.code === 'AADSTS700016')
    return broken({
      code: 'app_deleted',
      message: `Entra has no app registration ${f.clientId} in the tenant any more: it was deleted.`,
      fix: `A deleted app registration can be restored for 30 days: ${ENTRA} → App registrations → Deleted applications → ${f.clientId} → Restore app registration; the connection then works again as it was. After 30 days, send a repair link: the wizard creates a new app and reuses everything else.`,
      link: 'repair',
      microsoftCode: e.code,
    });
  if (e.code === 'AADSTS7000229')
    return broken({
      code: 'service_principal_deleted',
      message: `The app ${f.clientId} has no enterprise application (service principal) in the tenant any more.`,
      fix: `Send a repair link: the wizard restores the deleted enterprise application for the existing app registration (with its settings, within 30 days of the delete; after that it creates a new one). Or restore it yourself within 30 days: ${ENTRA} → Enterprise applications → Deleted applications.`,
      link: 'repair',
      microsoftCode: e.code,
    });
  if (e.code === 'AADSTS7000112')
    return broken({
      code: 'app_disabled',
      message: `The enterprise application of app ${f.clientId} is disabled for sign-in: Entra gives it no token.`,
      fix: `Send a repair link: the wizard enables the same enterprise application for sign-in again and changes nothing else. By hand: ${ENTRA} → Enterprise applications → ${f.clientId} → Properties → "Enabled for users to sign-in?" → Yes.`,
      link: 'repair',
      microsoftCode: e.code,
    });
  if (e.code === 'AADSTS500011')
    return broken({
      code: 'environment_gone',
      message: `Entra found no Dataverse environment at ${f.environmentUrl} in the tenant: it was deleted, or moved to another URL or tenant.`,
      // Nothing in the tenant is left to repair: a repair link's run would find no environment to reconcile.
      fix: `There is nothing a repair link can make again: the environment itself is gone. ${PPAC} → Environments → Deleted environments: a deleted environment can be recovered for 7 days (Recover), and the connection then works as before. If the environment now lives at another URL or in another tenant, connect that one with a new invite.`,
      link: 'none',
      microsoftCode: e.code,
    });
  return undefined;
}

/** Dataverse refused the application user itself (WhoAmI). */
function userDrift(e: MicrosoftError, f: SetupFacts): Finding | undefined {
  const code = e.code.toLowerCase();
  if (code === '0x80072560' || code === '0x8004f510')
    return broken({
      code: 'application_user_missing',
      message: `Dataverse at ${f.environmentUrl} has no application user for app ${f.clientId}: it was deleted, or the environment was reset or copied over (a copy brings the source environment's users).`,
      fix: `Send a repair link: the wizard recreates only the application user and gives it the role "${f.roleName}". By hand: ${APP_USERS(f.environmentUrl)} → + New app user → app ${f.clientId}, security role "${f.roleName}".`,
      link: 'repair',
      microsoftCode: e.code,
    });
  if (code === '0x8004e00a')
    return broken({
      code: 'application_user_disabled',
      message: `The application user of app ${f.clientId} in ${f.environmentUrl} is disabled.`,
      fix: `Send a repair link: the wizard activates the same application user again (its id and roles stay). By hand: ${APP_USERS(f.environmentUrl)} → select app ${f.clientId} → Activate.`,
      link: 'repair',
      microsoftCode: e.code,
    });
  return undefined;
}

/** A Microsoft error at `stage`, as drift (named, with its fix) or as transient (not drift). */
export function classify(e: unknown, stage: Stage, f: SetupFacts): Finding {
  if (!(e instanceof MicrosoftError))
    return { transient: new MicrosoftError('check_error', 'The check could not complete.', 'transient') };
  if (e.kind === 'transient') return { transient: e };
  const found = stage === 'token' ? tokenDrift(e, f) : userDrift(e, f);
  if (found) return found;
  return broken({
    code: stage === 'token' ? 'token_refused' : 'dataverse_refused',
    message: `${stage === 'token' ? 'Entra' : 'Dataverse'} refused the connection: ${e.message}`,
    fix: 'Send a repair link: the wizard checks every object it created and recreates what is missing.',
    link: 'repair',
    microsoftCode: e.code,
  });
}

export type Missing = NonNullable<HealthCause['missing']>[number];

/** A manifest privilege the application user no longer holds, named as the admin center shows it. */
export function missingEntry(manifest: Manifest, privilege: string): Missing {
  for (const t of manifest.tables)
    for (const access of t.access)
      if (`prv${access}${t.schemaName}` === privilege)
        return { privilege, table: t.displayName, access, level: ACCESS_LEVEL[t.depth] };
  return { privilege, table: privilege, access: '', level: '' };
}

/** Privileges gone from the role (or the role gone from the user): degraded while some table still works. */
export function privilegeDrift(
  f: SetupFacts,
  missing: Missing[],
  roleAssigned: boolean,
  nothingWorks: boolean,
): Finding {
  const health = nothingWorks ? 'broken' : 'degraded';
  if (!roleAssigned)
    return {
      health,
      cause: {
        code: 'role_removed',
        message: `The security role "${f.roleName}" is no longer assigned to the application user of app ${f.clientId}.`,
        fix: `${APP_USERS(f.environmentUrl)} → select app ${f.clientId} → Edit security roles → add "${f.roleName}". Or send a repair link: the wizard assigns it again.`,
        link: 'repair',
        missing,
      },
    };
  const named = missing.map((m) => `${m.access} on ${m.table} (${m.level})`).join(', ');
  return {
    health,
    cause: {
      code: 'privileges_removed',
      message: `The role "${f.roleName}" no longer grants: ${named}.`,
      fix: `${PPAC} → Environments → the environment at ${f.environmentUrl} → Settings → Users + permissions → Security roles → "${f.roleName}" → set ${named}. Or send a repair link: the wizard restores the role's privileges and nothing else.`,
      link: 'repair',
      missing,
    },
  };
}

/** The environment answers with another OrganizationId than at the first healthy check. */
export function replacedEnvironment(f: SetupFacts, before: string, now: string): Finding {
  return broken({
    code: 'environment_replaced',
    message: `The environment at ${f.environmentUrl} is another database than before (OrganizationId ${before} → ${now}): it was copied or restored over.`,
    // A copy brings the source's users and roles: the repair run reconciles the application user and Kantiv's role
    // in the environment as it is now, and its report makes the next check accept the new OrganizationId.
    fix: `If the copy was intended, send a repair link: the wizard makes the application user and the role "${f.roleName}" right in the environment as it is now (nothing twice) and Kantiv accepts the new database. If it was not, restore the environment instead: ${PPAC} → Environments → the environment at ${f.environmentUrl} → Backup & Restore.`,
    link: 'repair',
  });
}

/**
 * Microsoft has been failing for longer than a check interval: shown, but not drift (no fix on the customer side) —
 * except when Entra still issues tokens for the environment and its Dataverse alone answers 503: an environment an
 * admin disabled (or put in administration mode) answers so (FIDELITY H18-7), and only that admin can enable it.
 */
export function unavailable(
  e: MicrosoftError,
  since: string,
  environmentUrl?: string,
): Exclude<Finding, { transient: MicrosoftError }> {
  if (e.code === 'http_503' && environmentUrl)
    return {
      health: 'broken',
      cause: {
        code: 'environment_unavailable',
        message: `Dataverse at ${environmentUrl} has answered 503 Service Unavailable to every request since ${since}, while Entra still issues tokens for it: the environment was disabled or put in administration mode, or Dataverse is down.`,
        // No link: the wizard holds no Power Platform admin rights, so no run of it can enable an environment, and
        // a link that cannot fix it would only send the customer's admin through a sign-in for nothing.
        fix: `Ask the customer's Power Platform admin to open ${PPAC} → Environments → the environment at ${environmentUrl}: if its state is Disabled, select Enable; if Administration mode is on, turn it off (Edit → Administration mode). No link can do this for them. If the environment is enabled and not in administration mode, Dataverse itself is down: Microsoft 365 admin center → Health → Service health. Either way checks continue, and the connection recovers by itself once it answers.`,
        link: 'none',
        microsoftCode: e.code,
      },
    };
  return {
    health: 'degraded',
    cause: {
      code: 'microsoft_unavailable',
      message: `Microsoft has answered ${e.code} since ${since}: ${e.message}`,
      fix: 'Nothing to change on the customer side: this is Microsoft being unavailable, not drift. Checks continue, and the connection recovers by itself.',
      link: 'none',
      microsoftCode: e.code,
    },
  };
}

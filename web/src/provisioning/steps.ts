import type { StepData } from '@kantiv/shared/events';
import type { StepError, StepId } from '@kantiv/shared/steps';
import { SECRET_DISPLAY_NAME, manifestPrivileges, type Clients, type ResolvedConfig } from './context.ts';
import type { DiscoverySession } from './discover.ts';
import { BlockerError, MicrosoftApiError } from './errors.ts';
import { DYNAMICS_CRM_APP_ID, type RequiredResourceAccess } from './graph-client.ts';
import type { Discovery, EngineOutputs, HandoffCallback, PlannedStep } from './types.ts';

/** The secret between `addPassword` and the hand-off: in memory only, never in an event, log or error. */
export interface SecretVault {
  pending: { keyId: string; secretText: string; endDateTime: string } | null;
  /** keyIds our server holds (from the config and from hand-offs of this engine). */
  handedOff: Set<string>;
}

export interface ApplyContext {
  config: ResolvedConfig;
  clients: Clients;
  discovery: Discovery;
  outputs: EngineOutputs;
  vault: SecretVault;
  handoff: HandoffCallback;
  signal: AbortSignal;
  now: () => number;
  /** Facts one step leaves for another within a run. */
  state: { permissionDeclared: boolean; appCreated: boolean };
  /** A `running` event with a progress message. */
  progress: (message: string) => void;
}

export interface StepOutcome {
  status: 'succeeded' | 'skipped';
  message: string;
  data?: StepData;
}

/** One step of the manual guide as a reconciler: what exists, what will change, and making it so. */
export interface StepDefinition {
  id: StepId;
  /** Steps whose outputs this one needs; everything else runs concurrently. */
  dependsOn: StepId[];
  /** Reads what this step needs to know (memoized and shared across steps). */
  discover: (session: DiscoverySession) => Promise<unknown>;
  plan: (discovery: Discovery, config: ResolvedConfig, now: number) => PlannedStep;
  apply: (ctx: ApplyContext) => Promise<StepOutcome>;
}

const blocked = (step: StepId, summary: string, blocker: StepError): PlannedStep => ({
  step,
  action: 'blocked',
  summary,
  details: [],
  blocker,
});

function assertNotBlocked(ctx: ApplyContext, plan: PlannedStep): void {
  if (plan.blocker) throw new BlockerError(plan.blocker);
  void ctx;
}

// ------------------------------------------------------------------------------------------------ preflight

const preflight: StepDefinition = {
  id: 'preflight',
  dependsOn: [],
  discover: (s) =>
    Promise.all([s.tenantId(), s.me(), s.directoryRoles(), s.hasApplicationConsent(), s.dynamicsCrm()]),
  plan(d) {
    const who = d.user.userPrincipalName ?? 'your account';
    if (!d.hasApplicationConsent) {
      return blocked('preflight', 'Kantiv Connect has no admin consent in your tenant yet.', {
        code: 'consent_missing',
        message: `The sign-in token of ${who} does not carry the permission Application.ReadWrite.All, so Kantiv Connect cannot create the app registration.`,
        fix: 'A Global Administrator, Cloud Application Administrator or Application Administrator of your tenant must grant admin consent to Kantiv Connect: sign in again and tick "Consent on behalf of your organization", or use the admin consent link on the welcome page.',
      });
    }
    if (!d.canManageApplications) {
      return blocked('preflight', `${who} cannot create app registrations.`, {
        code: 'missing_directory_role',
        message: `${who} has ${
          d.directoryRoles.length
            ? `the Entra role(s) ${d.directoryRoles.join(', ')}`
            : 'no Entra administrator role'
        }; creating the app registration and its service principal needs Cloud Application Administrator, Application Administrator or Global Administrator.`,
        fix: 'Ask a Global Administrator or Privileged Role Administrator to assign you the Entra role Cloud Application Administrator (Entra admin center → Roles and administrators), or forward the invite link to a colleague who has it.',
      });
    }
    if (!d.dynamicsCrm) {
      return blocked('preflight', 'Dynamics 365 / Dataverse is not set up in this tenant.', {
        code: 'dynamics_crm_not_found',
        message:
          'The tenant has no service principal for Dynamics CRM (00000007-0000-0000-c000-000000000000): no Dynamics 365 or Power Platform environment has been used in it.',
        fix: 'Sign in with an account of the tenant that owns your Dynamics 365 environment. If this is the right tenant, a Power Platform administrator must first create a Dataverse environment in it.',
      });
    }
    if (!d.dynamicsCrm.userImpersonationScopeId) {
      return blocked(
        'preflight',
        'The Dynamics CRM permission user_impersonation is missing in this tenant.',
        {
          code: 'user_impersonation_not_found',
          message:
            'The Dynamics CRM service principal in this tenant exposes no enabled user_impersonation scope.',
          fix: 'Contact Kantiv support with your tenant id; this tenant’s Dynamics CRM registration is unusual.',
        },
      );
    }
    if (d.environment && d.dataverse && !d.dataverse.isSystemAdministrator) {
      return blocked('preflight', `${who} is not System Administrator in ${d.environment.name}.`, {
        code: 'not_system_administrator',
        message: `${who} does not hold the security role System Administrator in the environment ${d.environment.name} (${d.environment.url}); creating the security role and the application user needs it.`,
        fix: `Ask an administrator of ${d.environment.name} to assign you the System Administrator role (Power Platform admin center → Environments → ${d.environment.name} → Users), or forward the invite link to a colleague who has it.`,
      });
    }
    return {
      step: 'preflight',
      action: 'check',
      summary: `Signed in as ${who} in tenant ${d.tenantId}.`,
      details: [
        `Entra role: ${d.directoryRoles.filter((r) => r !== 'Application Developer').join(', ')}.`,
        'Dynamics CRM is present in the tenant.',
        ...(d.environment && d.dataverse ? [`System Administrator in ${d.environment.name}.`] : []),
      ],
    };
  },
  async apply(ctx) {
    const plan = preflight.plan(ctx.discovery, ctx.config, ctx.now());
    assertNotBlocked(ctx, plan);
    ctx.outputs.tenantId = ctx.discovery.tenantId;
    return { status: 'succeeded', message: plan.summary, data: { tenantId: ctx.discovery.tenantId } };
  },
};

// ------------------------------------------------------------------------------------------------ environment

const environment: StepDefinition = {
  id: 'environment',
  dependsOn: ['preflight'],
  discover: (s) => Promise.all([s.environments(), s.environment(), s.dataverseBasics()]),
  plan(d) {
    const env = d.environment;
    if (!env) {
      const usable = d.environments.filter((e) => e.sameTenant && e.enabled);
      return blocked('environment', 'Choose the Dynamics 365 environment to connect.', {
        code: 'environment_not_chosen',
        message: usable.length
          ? `No environment chosen yet; ${usable.length} available: ${usable.map((e) => e.name).join(', ')}.`
          : d.environmentsError
            ? `Global Discovery could not list your environments (${d.environmentsError.message}).`
            : 'Global Discovery lists no environment for your account.',
        fix: usable.length
          ? 'Pick an environment from the list.'
          : 'Type the address of your environment (for example https://contoso.crm.dynamics.com), or ask a Power Platform administrator to add you as a user of it.',
      });
    }
    if (!env.sameTenant) {
      return blocked('environment', `${env.name} belongs to another organization.`, {
        code: 'environment_other_tenant',
        message: `The environment ${env.name} (${env.url}) belongs to the Entra tenant ${env.tenantId ?? 'unknown'}, not to ${d.tenantId} where you signed in. An app registration can only be used by environments of its own tenant.`,
        fix: 'Pick an environment of your own organization, or sign in with an account of the tenant that owns this environment.',
      });
    }
    if (!env.enabled) {
      return blocked('environment', `${env.name} is disabled.`, {
        code: 'environment_disabled',
        message: `The environment ${env.name} is disabled.`,
        fix: 'Ask a Power Platform administrator to enable the environment, or pick another one.',
      });
    }
    if (d.environmentError) {
      return blocked('environment', `Cannot work in ${env.name}.`, d.environmentError);
    }
    return {
      step: 'environment',
      action: 'check',
      summary: `Connect the environment ${env.name} (${env.url}).`,
      details: env.discovered ? [] : ['Entered by hand: not listed by Global Discovery for your account.'],
    };
  },
  async apply(ctx) {
    const plan = environment.plan(ctx.discovery, ctx.config, ctx.now());
    assertNotBlocked(ctx, plan);
    const env = ctx.discovery.environment;
    const basics = ctx.discovery.dataverse;
    if (!env || !basics) throw new Error('environment discovery is incomplete');
    ctx.outputs.environmentUrl = env.url;
    ctx.outputs.environmentName = env.name;
    ctx.outputs.businessUnitId = basics.rootBusinessUnitId;
    return {
      status: 'succeeded',
      message: plan.summary,
      data: {
        environmentUrl: env.url,
        environmentName: env.name.slice(0, 200),
        businessUnitId: basics.rootBusinessUnitId,
      },
    };
  },
};

// ------------------------------------------------------------------------------------------------ app registration

function dynamicsPermission(scopeId: string): RequiredResourceAccess {
  return { resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [{ id: scopeId, type: 'Scope' }] };
}

const appRegistration: StepDefinition = {
  id: 'app_registration',
  dependsOn: ['preflight'],
  discover: (s) => Promise.all([s.application(), s.servicePrincipalId()]),
  plan(d, c) {
    const app = d.application;
    if (app) {
      return {
        step: 'app_registration',
        action: d.servicePrincipalId ? 'reuse' : 'update',
        summary: d.servicePrincipalId
          ? `Reuse the app registration "${app.displayName}" (client id ${app.clientId}).`
          : `Reuse the app registration "${app.displayName}" and create its enterprise application (service principal).`,
        details: [],
      };
    }
    return {
      step: 'app_registration',
      action: 'create',
      summary: `Create the app registration "${c.appDisplayName}" (accounts in this organizational directory only) and its enterprise application.`,
      details: [
        `Found again on later runs by its unique name "${c.appUniqueName}", so it is never duplicated.`,
        `Tagged "${c.appTag}".`,
      ],
    };
  },
  async apply(ctx) {
    const { config: c, discovery: d } = ctx;
    const graph = ctx.clients.graph('app_registration');
    let objectId: string;
    let clientId: string;
    let created = false;
    if (d.application) {
      objectId = d.application.objectId;
      clientId = d.application.clientId;
    } else {
      const scopeId = d.dynamicsCrm?.userImpersonationScopeId;
      // The upsert also declares the API permission, which saves Step 3 a request on first runs.
      const upsert = await graph.upsertApplicationByUniqueName(c.appUniqueName, {
        displayName: c.appDisplayName,
        signInAudience: 'AzureADMyOrg',
        tags: [c.appTag],
        notes: `Created by Kantiv Connect for ${d.user.userPrincipalName ?? d.user.id}. Lets Kantiv read and write the Dataverse tables its security role allows.`,
        ...(scopeId ? { requiredResourceAccess: [dynamicsPermission(scopeId)] } : {}),
      });
      created = upsert.created;
      ctx.state.appCreated = upsert.created;
      if (upsert.application) {
        objectId = upsert.application.id;
        clientId = upsert.application.appId;
      } else {
        // 204: it existed after all (created after our discovery, e.g. by a run whose answer was lost).
        const apps = await graph.applicationsByUniqueName(c.appUniqueName);
        const app = apps[0];
        if (!app)
          throw new Error('Microsoft Graph updated the application but cannot find it by its unique name.');
        objectId = app.id;
        clientId = app.appId;
      }
      if (scopeId) ctx.state.permissionDeclared = true;
    }
    ctx.outputs.applicationObjectId = objectId;
    ctx.outputs.clientId = clientId;

    let spId = d.application ? d.servicePrincipalId : null;
    let spCreated = false;
    if (!spId) {
      const sp = await graph.upsertServicePrincipal(clientId);
      spCreated = sp.created;
      spId = sp.servicePrincipal?.id ?? null;
      if (!spId) {
        const found = await ctx.clients.graph('app_registration').servicePrincipalByAppId(clientId);
        spId = found?.id ?? null;
      }
      if (!spId) throw new Error('Microsoft Graph did not return the service principal it created.');
    }
    ctx.outputs.servicePrincipalId = spId;
    return {
      status: 'succeeded',
      message: created
        ? `Created the app registration "${c.appDisplayName}" (client id ${clientId}) and its enterprise application.`
        : spCreated
          ? `Reused the app registration (client id ${clientId}) and created its enterprise application.`
          : `Reused the app registration "${d.application?.displayName ?? c.appDisplayName}" (client id ${clientId}).`,
      data: { applicationObjectId: objectId, clientId, servicePrincipalId: spId, created },
    };
  },
};

// ------------------------------------------------------------------------------------------------ API permission

const apiPermission: StepDefinition = {
  id: 'api_permission',
  dependsOn: ['app_registration'],
  discover: (s) => Promise.all([s.application(), s.dynamicsCrm()]),
  plan(d) {
    if (d.application?.hasDynamicsPermission) {
      return {
        step: 'api_permission',
        action: 'none',
        summary: 'The app already declares Dynamics CRM user_impersonation.',
        details: [],
      };
    }
    return {
      step: 'api_permission',
      action: d.application ? 'update' : 'create',
      summary: 'Declare the API permission Dynamics CRM → user_impersonation on the app.',
      details: [
        'What Kantiv may do in Dataverse is decided by the security role of the application user, not by this permission.',
      ],
    };
  },
  async apply(ctx) {
    const d = ctx.discovery;
    const scopeId = d.dynamicsCrm?.userImpersonationScopeId;
    const objectId = ctx.outputs.applicationObjectId;
    if (!scopeId || !objectId) throw new Error('api_permission needs the app and the Dynamics CRM scope id');
    const data = { applicationObjectId: objectId };
    if (d.application?.hasDynamicsPermission) {
      return { status: 'skipped', message: 'Dynamics CRM user_impersonation was already declared.', data };
    }
    if (ctx.state.permissionDeclared) {
      // Sent with the app's upsert: trust the write (Entra reads may lag behind it).
      return { status: 'succeeded', message: 'Declared Dynamics CRM user_impersonation.', data };
    }
    const graph = ctx.clients.graph('api_permission');
    const app = await graph.application(objectId, { replication: true });
    if (!hasPermission(app.requiredResourceAccess ?? [], scopeId)) {
      await graph.updateApplication(objectId, {
        requiredResourceAccess: mergePermission(app.requiredResourceAccess ?? [], scopeId),
      });
    }
    return { status: 'succeeded', message: 'Declared Dynamics CRM user_impersonation.', data };
  },
};

function hasPermission(rra: RequiredResourceAccess[], scopeId: string): boolean {
  return rra.some(
    (r) =>
      r.resourceAppId === DYNAMICS_CRM_APP_ID &&
      r.resourceAccess.some((a) => a.id === scopeId && a.type === 'Scope'),
  );
}

/** Keeps whatever else the app declares (an admin may have added permissions by hand). */
function mergePermission(rra: RequiredResourceAccess[], scopeId: string): RequiredResourceAccess[] {
  const others = rra.filter((r) => r.resourceAppId !== DYNAMICS_CRM_APP_ID);
  const crm = rra.find((r) => r.resourceAppId === DYNAMICS_CRM_APP_ID);
  const access = (crm?.resourceAccess ?? []).filter((a) => !(a.id === scopeId && a.type === 'Scope'));
  return [
    ...others,
    { resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [...access, { id: scopeId, type: 'Scope' }] },
  ];
}

// ------------------------------------------------------------------------------------------------ credential

/** A handed-off secret this close to expiry is replaced rather than kept. */
const RENEW_BEFORE_MS = 30 * 24 * 3600_000;

function addMonths(now: number, months: number): Date {
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

function reusableHandedOffSecret(d: Discovery, c: ResolvedConfig, vault: SecretVault, now: number) {
  const secrets = d.application?.secrets ?? [];
  return secrets.find(
    (s) =>
      (vault.handedOff.has(s.keyId) || s.keyId === c.handedOffSecretKeyId) &&
      (!s.endDateTime || Date.parse(s.endDateTime) - now > RENEW_BEFORE_MS),
  );
}

const credential: StepDefinition = {
  id: 'credential',
  dependsOn: ['app_registration', 'environment'],
  discover: (s) => s.application(),
  plan(d, c, now) {
    const keep = reusableHandedOffSecret(d, c, { pending: null, handedOff: new Set() }, now);
    const stale = (d.application?.secrets ?? []).filter((s) => s.keyId !== keep?.keyId);
    const cleanup = stale.length
      ? [
          `Remove ${stale.length} other "${SECRET_DISPLAY_NAME}" credential(s) that Kantiv does not hold (left by an earlier, interrupted run), after the hand-off.`,
        ]
      : [];
    if (keep) {
      return {
        step: 'credential',
        action: 'reuse',
        summary: `Keep the client secret Kantiv already holds (expires ${keep.endDateTime?.slice(0, 10) ?? 'never'}).`,
        details: cleanup,
      };
    }
    const end = addMonths(now, c.secretLifetimeMonths);
    return {
      step: 'credential',
      action: 'create',
      summary: `Create a client secret "${SECRET_DISPLAY_NAME}" valid ${c.secretLifetimeMonths} months (until ${end.toISOString().slice(0, 10)}).`,
      details: [
        'The secret is never shown: it goes straight to Kantiv over an encrypted connection.',
        'If your tenant’s policy allows a shorter lifetime only, the secret is made shorter and you are told.',
        ...cleanup,
      ],
    };
  },
  async apply(ctx) {
    const { discovery: d, config: c, vault } = ctx;
    const objectId = ctx.outputs.applicationObjectId;
    if (!objectId) throw new Error('credential needs the application');
    const now = ctx.now();

    const keep = reusableHandedOffSecret(d, c, vault, now);
    if (keep) {
      ctx.outputs.secretKeyId = keep.keyId;
      if (keep.endDateTime) ctx.outputs.secretExpiresAt = new Date(keep.endDateTime).toISOString();
      return {
        status: 'skipped',
        message: 'Kantiv already holds a valid secret for this app; no new secret was created.',
        data: {
          secretKeyId: keep.keyId,
          ...(keep.endDateTime ? { secretExpiresAt: new Date(keep.endDateTime).toISOString() } : {}),
        },
      };
    }
    // A secret this engine created but could not hand off yet (e.g. our server was unreachable): still valid, reuse.
    const pending = vault.pending;
    if (pending && (!d.application || d.application.secrets.some((s) => s.keyId === pending.keyId))) {
      ctx.outputs.secretKeyId = pending.keyId;
      ctx.outputs.secretExpiresAt = pending.endDateTime;
      return {
        status: 'succeeded',
        message: 'Reusing the secret created earlier in this session; it has not reached Kantiv yet.',
        data: { secretKeyId: pending.keyId, secretExpiresAt: pending.endDateTime },
      };
    }

    const graph = ctx.clients.graph('credential');
    const wanted = addMonths(now, c.secretLifetimeMonths);
    let end = wanted;
    let shortenedTo: number | null = null;
    for (let attempt = 0; ; attempt++) {
      try {
        const created = await graph.addPassword(objectId, {
          displayName: SECRET_DISPLAY_NAME,
          endDateTime: end.toISOString(),
        });
        const keyId = created.keyId.toLowerCase();
        const endDateTime = new Date(created.endDateTime).toISOString();
        vault.pending = { keyId, secretText: created.secretText, endDateTime };
        ctx.outputs.secretKeyId = keyId;
        ctx.outputs.secretExpiresAt = endDateTime;
        return {
          status: 'succeeded',
          message:
            shortenedTo !== null
              ? `Created the client secret "${SECRET_DISPLAY_NAME}", shortened to ${shortenedTo} days (expires ${endDateTime.slice(0, 10)}) because your tenant’s app management policy does not allow ${c.secretLifetimeMonths} months.`
              : `Created the client secret "${SECRET_DISPLAY_NAME}" (expires ${endDateTime.slice(0, 10)}).`,
          data: { secretKeyId: keyId, secretExpiresAt: endDateTime, created: true },
        };
      } catch (err) {
        if (!(err instanceof MicrosoftApiError)) throw err;
        if (err.is('CredentialTypeNotAllowedAsPerAppPolicy')) {
          throw new BlockerError({
            code: 'CredentialTypeNotAllowedAsPerAppPolicy',
            message: `Your tenant’s app management policy does not allow client secrets on new applications (${err.message}).`,
            ...(err.requestId ? { requestId: err.requestId } : {}),
            fix: 'An Entra administrator who manages app management policies (Global Administrator, or Security Administrator) must exempt this app or allow password credentials (Entra admin center → Enterprise applications → Application policies). Then retry; or use the manual path with a certificate.',
          });
        }
        if (err.is('CredentialInvalidLifetimeAsPerAppPolicy') && attempt < 8) {
          const nextDays = shorterLifetimeDays(err.message, Math.floor((end.getTime() - now) / 86_400_000));
          if (nextDays === null) throw err;
          shortenedTo = nextDays;
          end = new Date(now + nextDays * 86_400_000);
          ctx.progress(
            `Your tenant’s policy caps secret lifetimes; trying ${nextDays} days instead of ${c.secretLifetimeMonths} months.`,
          );
          continue;
        }
        throw err;
      }
    }
  },
};

/**
 * The policy's cap from the message when Microsoft states it (`P90D`, `90 days`), else the next shorter step.
 */
export function shorterLifetimeDays(message: string, currentDays: number): number | null {
  const iso = /P(\d+)D/i.exec(message);
  const words = /(\d+)\s*days?/i.exec(message);
  const stated = iso ? Number(iso[1]) : words ? Number(words[1]) : NaN;
  if (Number.isFinite(stated) && stated > 0 && stated < currentDays) return stated;
  const steps = [365, 180, 90, 60, 30, 14, 7, 1];
  return steps.find((s) => s < currentDays) ?? null;
}

// ------------------------------------------------------------------------------------------------ security role

function describeTables(c: ResolvedConfig): string[] {
  return c.manifest.tables.map(
    (t) => `${t.displayName}: ${t.access.join(', ')} (${t.depth === 'Global' ? 'organization' : t.depth})`,
  );
}

const securityRole: StepDefinition = {
  id: 'security_role',
  dependsOn: ['environment'],
  discover: (s) => Promise.all([s.role(), s.rolePrivilegeGap(), s.rootRoles()]),
  plan(d, c) {
    const dv = d.dataverse;
    if (c.role.mode === 'existing') {
      if (dv && !dv.role) {
        return blocked('security_role', 'The chosen security role does not exist.', {
          code: 'role_not_found',
          message: `No security role with id ${c.role.roleId} in the root business unit of the environment.`,
          fix: 'Pick another role, or let Kantiv Connect create its least-privilege role.',
        });
      }
      const missing = dv?.missingPrivileges ?? [];
      return {
        step: 'security_role',
        action: 'reuse',
        summary: `Use the existing role "${dv?.role?.name ?? c.role.roleId}".`,
        details: missing.length
          ? [
              `It lacks ${missing.length} privilege(s) Kantiv needs: ${missing.join(', ')}. Kantiv will not be able to use those tables until they are added.`,
            ]
          : ['It grants every privilege Kantiv needs.'],
      };
    }
    if (dv && dv.unknownPrivileges.length) {
      return blocked('security_role', 'Some tables Kantiv needs do not exist in this environment.', {
        code: 'privileges_not_found',
        message: `The environment has no privilege ${dv.unknownPrivileges.join(', ')}.`,
        fix: 'Pick an environment with Dynamics 365 Sales (accounts, contacts, opportunities), or contact Kantiv support.',
      });
    }
    if (dv?.role) {
      const missing = dv.missingPrivileges;
      return {
        step: 'security_role',
        action: missing.length || dv.extraPrivileges.length ? 'update' : 'none',
        summary:
          missing.length || dv.extraPrivileges.length
            ? `Bring the existing role "${dv.role.name}" back to exactly the privileges Kantiv needs.`
            : `The role "${dv.role.name}" already holds the privileges Kantiv needs.`,
        details: [
          ...(missing.length ? [`Adds: ${missing.join(', ')}.`] : []),
          ...(dv.extraPrivileges.length
            ? [
                `It also holds ${dv.extraPrivileges.length} privilege(s) beyond Kantiv's list (left unchanged): ${dv.extraPrivileges.join(', ')}.`,
              ]
            : []),
        ],
      };
    }
    return {
      step: 'security_role',
      action: 'create',
      summary: `Create the security role "${c.manifest.roleName}" in the root business unit with only the table privileges Kantiv needs.`,
      details: describeTables(c),
    };
  },
  async apply(ctx) {
    const { config: c, discovery: d } = ctx;
    const plan = securityRole.plan(d, c, ctx.now());
    assertNotBlocked(ctx, plan);
    const env = d.environment;
    const dvInfo = d.dataverse;
    if (!env || !dvInfo) throw new Error('security_role needs the environment');
    const dv = ctx.clients.dataverse('security_role', env);
    const root = dvInfo.rootBusinessUnitId;

    if (c.role.mode === 'existing') {
      const role = dvInfo.role;
      if (!role) throw new Error('existing role vanished');
      ctx.outputs.roleId = role.roleId;
      ctx.outputs.roleName = role.name;
      ctx.outputs.missingPrivileges = dvInfo.missingPrivileges;
      return {
        status: 'succeeded',
        message: dvInfo.missingPrivileges.length
          ? `Using the role "${role.name}"; it lacks ${dvInfo.missingPrivileges.length} privilege(s) Kantiv needs.`
          : `Using the role "${role.name}"; it grants what Kantiv needs.`,
        data: {
          roleId: role.roleId,
          roleName: role.name.slice(0, 200),
          businessUnitId: root,
          missingPrivileges: dvInfo.missingPrivileges,
          created: false,
        },
      };
    }

    // Look again: another run may have created the role since discovery (find before create).
    let role = dvInfo.role ? { roleid: dvInfo.role.roleId, name: dvInfo.role.name } : null;
    let created = false;
    if (!role) {
      const again = await dv.rolesByName(c.manifest.roleName, root);
      role = again[0] ?? null;
    }
    if (!role) {
      role = await dv.createRole(c.manifest.roleName, root);
      created = true;
    }
    const wanted = manifestPrivileges(c.manifest);
    const ids = new Map(
      (await dv.privilegesByName([...new Set(wanted.map((w) => w.name))])).map((p) => [
        p.name,
        p.privilegeid,
      ]),
    );
    const held = created ? [] : await dv.rolePrivileges(role.roleid);
    const heldById = new Map(held.map((h) => [h.PrivilegeId.toLowerCase(), h.Depth]));
    const all = wanted.flatMap((w) => {
      const id = ids.get(w.name);
      return id ? [{ privilegeId: id, depth: w.depth, businessUnitId: root }] : [];
    });
    const toAdd = all.filter((p) => heldById.get(p.privilegeId.toLowerCase()) !== p.depth);
    const wantedIds = new Set(all.map((p) => p.privilegeId.toLowerCase()));
    const extras = held.filter((h) => !wantedIds.has(h.PrivilegeId.toLowerCase()));
    // Our role holds exactly the manifest: privileges someone added by hand are taken away again.
    if (extras.length) await dv.addPrivilegesToRole(role.roleid, all, { replace: true });
    else if (toAdd.length) await dv.addPrivilegesToRole(role.roleid, toAdd);
    ctx.outputs.roleId = role.roleid;
    ctx.outputs.roleName = role.name;
    ctx.outputs.missingPrivileges = [];
    return {
      status: 'succeeded',
      message: created
        ? `Created the security role "${role.name}" with ${toAdd.length} privileges.`
        : extras.length
          ? `Reset the role "${role.name}" to exactly the ${all.length} privileges Kantiv needs (removed ${extras.length} added by hand).`
          : toAdd.length
            ? `Added ${toAdd.length} privilege(s) to the role "${role.name}".`
            : `The role "${role.name}" already held the privileges Kantiv needs.`,
      data: { roleId: role.roleid, roleName: role.name.slice(0, 200), businessUnitId: root, created },
    };
  },
};

// ------------------------------------------------------------------------------------------------ application user

const applicationUser: StepDefinition = {
  id: 'application_user',
  dependsOn: ['app_registration', 'security_role'],
  discover: (s) => s.applicationUser(),
  plan(d, c) {
    const roleName = d.dataverse?.role?.name ?? c.manifest.roleName;
    const user = d.dataverse?.applicationUser;
    if (user) {
      return {
        step: 'application_user',
        action: user.roleAssigned ? 'none' : 'update',
        summary: user.roleAssigned
          ? `The application user exists and holds the role "${roleName}".`
          : `Give the existing application user the role "${roleName}".`,
        details: user.disabled ? ['The application user is disabled; an administrator must enable it.'] : [],
      };
    }
    return {
      step: 'application_user',
      action: 'create',
      summary: `Create the application user for the app in ${d.environment?.name ?? 'the environment'} (root business unit) and give it the role "${roleName}".`,
      details: [
        'Right after the app is created, Dataverse may need a few minutes to see it; the run waits and says so.',
      ],
    };
  },
  async apply(ctx) {
    const { discovery: d } = ctx;
    const env = d.environment;
    const dvInfo = d.dataverse;
    const appId = ctx.outputs.clientId;
    const roleId = ctx.outputs.roleId;
    if (!env || !dvInfo || !appId || !roleId)
      throw new Error('application_user needs the app, role and environment');
    const dv = ctx.clients.dataverse('application_user', env);

    let userId: string | undefined =
      d.application?.clientId === appId ? dvInfo.applicationUser?.id : undefined;
    let created = false;
    // An app born in this run cannot have an application user yet: skip the lookup on the critical path.
    if (!userId && !ctx.state.appCreated) {
      const existing = await dv.applicationUsers(appId);
      userId = existing[0]?.systemuserid;
    }
    if (!userId) {
      try {
        const user = await dv.createApplicationUser(appId, dvInfo.rootBusinessUnitId);
        userId = user.systemuserid;
        created = true;
      } catch (err) {
        // Another run created it between our lookup and our create: "only one application user per app".
        const again = await dv.applicationUsers(appId);
        if (!again[0]) throw err;
        userId = again[0].systemuserid;
      }
    }
    if (dvInfo.applicationUser?.disabled && !created) {
      throw new BlockerError({
        code: 'application_user_disabled',
        message: 'The application user of the Kantiv app exists but is disabled.',
        fix: `A System Administrator of ${env.name} must enable it (Power Platform admin center → Environments → ${env.name} → Settings → Application users), then retry.`,
      });
    }
    ctx.outputs.applicationUserId = userId;
    const roles = created ? [] : await dv.userRoles(userId);
    const has = roles.some((r) => r.roleid.toLowerCase() === roleId.toLowerCase());
    if (!has) await dv.assignRole(userId, roleId);
    return {
      status: 'succeeded',
      message: created
        ? `Created the application user and gave it the role "${ctx.outputs.roleName ?? ''}".`
        : has
          ? 'The application user already existed with its role.'
          : `Gave the existing application user the role "${ctx.outputs.roleName ?? ''}".`,
      data: { applicationUserId: userId, roleId, created },
    };
  },
};

// ------------------------------------------------------------------------------------------------ hand-off

const handoff: StepDefinition = {
  id: 'handoff',
  dependsOn: ['credential', 'application_user', 'api_permission'],
  discover: async () => undefined,
  plan(d, c, now) {
    const keep = reusableHandedOffSecret(d, c, { pending: null, handedOff: new Set() }, now);
    if (keep) {
      return {
        step: 'handoff',
        action: 'none',
        summary: 'Kantiv already holds the current secret; nothing to send.',
        details: [],
      };
    }
    return {
      step: 'handoff',
      action: 'send',
      summary: 'Send the tenant id, client id, secret and its expiry to Kantiv over an encrypted connection.',
      details: ['The secret is never shown to you and never stored in your browser.'],
    };
  },
  async apply(ctx) {
    const o = ctx.outputs;
    const keyId = o.secretKeyId;
    if (!o.tenantId || !o.clientId || !keyId || !o.environmentUrl || !o.applicationObjectId) {
      throw new Error('handoff needs the tenant, app, secret and environment');
    }
    const pending = ctx.vault.pending;
    let sent = false;
    if (pending && pending.keyId === keyId && !ctx.vault.handedOff.has(keyId)) {
      // The keyId is the idempotency key: a retried hand-off of the same secret is stored once by our server.
      await ctx.handoff(
        {
          idempotencyKey: keyId,
          source: 'automatic',
          tenantId: o.tenantId,
          clientId: o.clientId,
          clientSecret: pending.secretText,
          secretKeyId: keyId,
          secretExpiresAt: pending.endDateTime,
          environmentUrl: o.environmentUrl,
          ...(o.applicationUserId ? { applicationUserId: o.applicationUserId } : {}),
          ...(o.roleName ? { roleName: o.roleName } : {}),
        },
        ctx.signal,
      );
      ctx.vault.handedOff.add(keyId);
      ctx.vault.pending = null;
      sent = true;
    } else if (!ctx.vault.handedOff.has(keyId) && keyId !== ctx.config.handedOffSecretKeyId) {
      throw new Error('the secret to hand off is no longer in memory');
    }

    // Secrets named like ours that Kantiv does not hold: orphans of interrupted runs, or the one just replaced.
    // (An app born in this run holds only the secret just handed off.)
    const graph = ctx.clients.graph('handoff');
    const app = ctx.state.appCreated
      ? null
      : await graph.application(o.applicationObjectId, { replication: true });
    const stale = (app?.passwordCredentials ?? []).filter(
      (s) => s.displayName === SECRET_DISPLAY_NAME && s.keyId.toLowerCase() !== keyId,
    );
    for (const s of stale) {
      try {
        await graph.removePassword(o.applicationObjectId, s.keyId);
      } catch (err) {
        if (!(err instanceof MicrosoftApiError && err.status === 404)) throw err;
      }
    }
    const removed = stale.length ? ` Removed ${stale.length} unused older secret(s).` : '';
    return {
      status: sent ? 'succeeded' : 'skipped',
      message: sent
        ? `Kantiv received the credential.${removed}`
        : `Kantiv already held the current secret.${removed}`,
      data: {
        tenantId: o.tenantId,
        clientId: o.clientId,
        secretKeyId: keyId,
        ...(o.secretExpiresAt ? { secretExpiresAt: o.secretExpiresAt } : {}),
        ...(o.applicationUserId ? { applicationUserId: o.applicationUserId } : {}),
      },
    };
  },
};

/** In the order of `STEP_IDS` (the manual guide's order), without the server's `verification`. */
export const STEPS: StepDefinition[] = [
  preflight,
  environment,
  appRegistration,
  apiPermission,
  credential,
  securityRole,
  applicationUser,
  handoff,
];

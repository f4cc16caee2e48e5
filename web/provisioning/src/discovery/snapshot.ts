import { APP_MANAGER_ROLES } from '../directory-roles.ts';
import type { ResolvedConfig } from '../config.ts';
import { DYNAMICS_CRM_APP_ID, type Application } from '../microsoft/graph-client.ts';
import type { Discovery } from '../types.ts';
import { toRoleOption } from './options.ts';
import type { DiscoverySession } from './session.ts';

/** Everything at once, every independent read in flight concurrently. */
export async function snapshot(session: DiscoverySession): Promise<Discovery> {
  const [
    tenantId,
    me,
    roleCheck,
    hasApplicationConsent,
    dynamicsCrm,
    instances,
    environments,
    environment,
    basics,
    application,
  ] = await Promise.all([
    session.tenantId(),
    session.me(),
    session.directoryRoleCheck(),
    session.hasApplicationConsent(),
    session.dynamicsCrm(),
    session.instances(),
    session.environments(),
    session.environment(),
    session.dataverseBasics(),
    session.application(),
  ]);
  const [servicePrincipalId, isSysAdmin, roles, role, gap, appUser, deletedApplication, spDisabled] =
    await Promise.all([
      session.servicePrincipalId(),
      basics && !basics.error ? session.isSystemAdministrator() : Promise.resolve(false),
      session.rootRoles(),
      session.role(),
      basics && !basics.error ? session.rolePrivilegeGap() : Promise.resolve(null),
      session.applicationUser(),
      session.deletedApplication(),
      session.servicePrincipalDisabled(),
    ]);
  const crmPermission = application?.requiredResourceAccess?.find(
    (r) => r.resourceAppId === DYNAMICS_CRM_APP_ID,
  );
  const scopeId = dynamicsCrm?.userImpersonationScopeId;
  return {
    tenantId,
    user: {
      id: me.id,
      userPrincipalName: me.userPrincipalName ?? null,
      displayName: me.displayName ?? null,
    },
    directoryRoles: roleCheck.roles,
    // Unknown (null) when Graph would not show the roles: not a reason to block, Graph decides at the first write.
    canManageApplications: roleCheck.roles.some((r) => APP_MANAGER_ROLES.has(r))
      ? true
      : roleCheck.readable
        ? false
        : null,
    hasApplicationConsent,
    dynamicsCrm,
    environments,
    environmentsError: instances.error,
    environment,
    environmentError: basics?.error ?? null,
    application: application
      ? {
          objectId: application.id,
          clientId: application.appId,
          displayName: application.displayName ?? '',
          hasDynamicsPermission: Boolean(
            crmPermission?.resourceAccess.some((a) => a.type === 'Scope' && (!scopeId || a.id === scopeId)),
          ),
          ...ours(application, session.config),
        }
      : null,
    servicePrincipalId,
    ...(spDisabled ? { servicePrincipalDisabled: true } : {}),
    deletedApplication: deletedApplication
      ? {
          objectId: deletedApplication.id,
          clientId: deletedApplication.appId,
          displayName: deletedApplication.displayName ?? '',
          deletedDateTime: deletedApplication.deletedDateTime ?? null,
          ...ours(deletedApplication, session.config),
        }
      : null,
    dataverse:
      basics && !basics.error
        ? {
            userId: basics.whoAmI.UserId,
            isSystemAdministrator: isSysAdmin,
            rootBusinessUnitId: basics.rootBusinessUnitId,
            roles,
            role: role ? toRoleOption(role) : null,
            missingPrivileges: gap?.missing ?? [],
            extraPrivileges: gap?.extra ?? [],
            privilegesBeyond: gap?.beyond ?? [],
            unknownPrivileges: gap?.unknown ?? [],
            applicationUser: appUser
              ? {
                  id: appUser.systemuserid,
                  disabled: appUser.isdisabled === true,
                  roleAssigned: role ? appUser.roleIds.includes(role.roleid.toLowerCase()) : false,
                }
              : null,
          }
        : null,
  };
}

/** This setup's secrets and certificates on an app (metadata only), found by their display names. */
function ours(
  app: Pick<Application, 'passwordCredentials' | 'keyCredentials'>,
  config: Pick<ResolvedConfig, 'secretDisplayName' | 'certificateDisplayName'>,
) {
  return {
    secrets: (app.passwordCredentials ?? [])
      .filter((c) => c.displayName === config.secretDisplayName)
      .map((c) => ({ keyId: c.keyId.toLowerCase(), endDateTime: c.endDateTime ?? null })),
    certificates: (app.keyCredentials ?? [])
      .filter((c) => c.displayName === config.certificateDisplayName)
      .map((c) => ({ keyId: c.keyId.toLowerCase(), endDateTime: c.endDateTime ?? null })),
  };
}

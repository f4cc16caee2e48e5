import type { DataverseRemovalClient, GraphRemovalClient } from '../microsoft/removal-clients.ts';

/** What the setup says the wizard created (`GET /api/v1/wizard/setup`). */
export interface DisconnectTarget {
  environmentUrl: string;
  /** The app registration's application (client) id. */
  clientId: string;
  /** The role the application user was given. */
  roleName: string | undefined;
  /** The name Kantiv gives a role it creates (the manifest's): a role by another name was the admin's pick. */
  kantivRoleName: string;
  /** Another live setup of the tenant uses the same app registration (decision 010): it stays. */
  appShared?: boolean;
}

/**
 * What a disconnect will remove, read from the tenant before the admin confirms: the application user (then
 * deactivated and deleted), the security role (deleted only if Kantiv created it and nobody else holds it; the
 * latter is Dataverse's to refuse at the delete), and the app registration (soft-deleted, restorable for 30 days).
 * A `null` is something already gone.
 */
export interface DisconnectPlan {
  applicationUser: { id: string; name: string | null; disabled: boolean; roleIds: string[] } | null;
  securityRole: { id: string; name: string; ours: boolean } | null;
  application: { objectId: string; appId: string; displayName: string | null; shared: boolean } | null;
}

export async function planDisconnect(
  clients: { graph: GraphRemovalClient; dataverse: DataverseRemovalClient },
  target: DisconnectTarget,
): Promise<DisconnectPlan> {
  const { graph, dataverse } = clients;
  const [users, root, app] = await Promise.all([
    dataverse.applicationUsers(target.clientId),
    dataverse.rootBusinessUnit(),
    graph.applicationByAppId(target.clientId),
  ]);
  const user = users[0];
  const roles =
    target.roleName && root ? await dataverse.rolesByName(target.roleName, root.businessunitid) : [];
  const role = roles[0];
  return {
    applicationUser: user
      ? {
          id: user.systemuserid,
          name: user.fullname ?? null,
          disabled: user.isdisabled === true,
          roleIds: (await dataverse.userRoles(user.systemuserid)).map((r) => r.roleid),
        }
      : null,
    securityRole: role
      ? {
          id: role.roleid,
          name: role.name,
          // A managed (solution) role or one the admin picked under another name is not ours to delete.
          ours: role.name === target.kantivRoleName && role.ismanaged !== true,
        }
      : null,
    application: app
      ? {
          objectId: app.id,
          appId: app.appId,
          displayName: app.displayName ?? null,
          shared: target.appShared === true,
        }
      : null,
  };
}

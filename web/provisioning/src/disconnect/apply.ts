import type { TenantRemoval } from '@kantiv/shared/disconnect';
import { MicrosoftApiError } from '../errors.ts';
import type { DataverseRemovalClient, GraphRemovalClient } from '../microsoft/removal-clients.ts';
import type { DisconnectPlan } from './plan.ts';

/** Dataverse refusing a delete it does not allow now (D18-2, D18-3): an answer, not a failure of the run. */
const refused = (err: unknown): boolean => err instanceof MicrosoftApiError && err.status === 400;

/**
 * Removes what the plan lists, in the only order Dataverse allows: the application user loses its roles, is
 * deactivated, then deleted (kept deactivated if Dataverse refuses the delete); then Kantiv's role, unless someone
 * else holds it; then the app registration, soft-deleted. Idempotent: a re-run after a failure plans again and
 * finds what is already gone.
 */
export async function applyDisconnect(
  clients: { graph: GraphRemovalClient; dataverse: DataverseRemovalClient },
  plan: DisconnectPlan,
): Promise<TenantRemoval> {
  const { graph, dataverse } = clients;
  let applicationUser: TenantRemoval['applicationUser'] = 'absent';
  const user = plan.applicationUser;
  if (user) {
    for (const roleId of user.roleIds) await dataverse.unassignRole(user.id, roleId);
    if (!user.disabled) await dataverse.disableUser(user.id);
    try {
      await dataverse.deleteUser(user.id);
      applicationUser = 'removed';
    } catch (err) {
      if (!refused(err)) throw err;
      applicationUser = 'deactivated';
    }
  }

  let securityRole: TenantRemoval['securityRole'] = 'absent';
  const role = plan.securityRole;
  if (role && !role.ours) securityRole = 'kept_not_ours';
  else if (role) {
    try {
      await dataverse.deleteRole(role.id);
      securityRole = 'removed';
    } catch (err) {
      if (!refused(err)) throw err;
      securityRole = 'kept_in_use';
    }
  }

  let appRegistration: TenantRemoval['appRegistration'] = 'absent';
  if (plan.application?.shared) appRegistration = 'kept_shared';
  else if (plan.application) {
    await graph.deleteApplication(plan.application.objectId);
    appRegistration = 'soft_deleted';
  }
  return { applicationUser, securityRole, appRegistration };
}

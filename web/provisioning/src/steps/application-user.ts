import { engineText } from '@kantiv/shared/engine-texts';
import { BlockerError, MicrosoftApiError } from '../errors.ts';
import type { StepDefinition } from './definition.ts';

export const applicationUser: StepDefinition = {
  id: 'application_user',
  dependsOn: ['app_registration', 'security_role'],
  discover: (s) => s.applicationUser(),
  plan(d, c) {
    const roleName = d.dataverse?.role?.name ?? c.manifest.roleName;
    const user = d.dataverse?.applicationUser;
    if (user?.disabled) {
      // Deactivated by an admin (issue 18): the same user is activated again, keeping its id and roles.
      return {
        step: 'application_user',
        action: 'update',
        summary: user.roleAssigned
          ? `Activate the application user again (it was deactivated); it keeps the role "${roleName}".`
          : `Activate the application user again (it was deactivated) and give it the role "${roleName}".`,
        details: [],
      };
    }
    if (user) {
      return {
        step: 'application_user',
        action: user.roleAssigned ? 'none' : 'update',
        summary: user.roleAssigned
          ? `The application user exists and holds the role "${roleName}".`
          : `Give the existing application user the role "${roleName}".`,
        details: [],
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
        if (!again[0]) throw requiredFieldBlocker(err, env.name) ?? err;
        userId = again[0].systemuserid;
      }
    }
    let activated = false;
    if (dvInfo.applicationUser?.disabled && !created && dvInfo.applicationUser.id === userId) {
      try {
        await dv.enableUser(userId);
        activated = true;
      } catch (err) {
        if (!(err instanceof MicrosoftApiError) || (err.status !== 403 && err.status !== 400)) throw err;
        throw new BlockerError({
          code: 'application_user_disabled',
          text: engineText('application_user_disabled', { environment: env.name }),
          message: `The application user of the Kantiv app exists but is disabled, and could not be activated (${err.message}).`,
          ...(err.requestId ? { requestId: err.requestId } : {}),
          fix: `A System Administrator of ${env.name} must enable it (Power Platform admin center → Environments → ${env.name} → Settings → Application users), then retry.`,
        });
      }
    }
    ctx.outputs.applicationUserId = userId;
    const roles = created ? [] : await dv.userRoles(userId);
    const has = roles.some((r) => r.roleid.toLowerCase() === roleId.toLowerCase());
    if (!has) await dv.assignRole(userId, roleId);
    return {
      status: 'succeeded',
      message: created
        ? `Created the application user and gave it the role "${ctx.outputs.roleName ?? ''}".`
        : activated
          ? `Activated the application user again${has ? '' : ` and gave it the role "${ctx.outputs.roleName ?? ''}"`}.`
          : has
            ? 'The application user already existed with its role.'
            : `Gave the existing application user the role "${ctx.outputs.roleName ?? ''}".`,
      data: { applicationUserId: userId, roleId, created, ...(activated ? { activated } : {}) },
    };
  },
};

/**
 * Dataverse's "Attribute 'x' cannot be NULL" (0x80040200) on the create: this environment wants a column beyond what
 * Microsoft's tools send (issue 15 item 11; ledger I15-11). Said plainly, with the one way on that always works.
 */
function requiredFieldBlocker(err: unknown, envName: string): BlockerError | undefined {
  if (!(err instanceof MicrosoftApiError) || err.status !== 400 || !err.is('0x80040200')) return undefined;
  const field = /Attribute '([^']+)' cannot be NULL/i.exec(err.message)?.[1];
  if (!field) return undefined;
  return new BlockerError({
    code: 'application_user_field_required',
    text: engineText('application_user_field_required', {
      environment: envName,
      field,
      microsoft: err.message,
    }),
    message: `${envName} requires the field "${field}" on a new application user, which Kantiv does not fill in (${err.message}).`,
    ...(err.requestId ? { requestId: err.requestId } : {}),
    fix: `A System Administrator of ${envName} adds the application user by hand (Power Platform admin center → Environments → ${envName} → Settings → Application users → New app user, choosing the Kantiv app and the root business unit), then chooses Retry: Kantiv finds that user and gives it the role.`,
  });
}

import { DYNAMICS_CRM_APP_ID, type RequiredResourceAccess } from '../microsoft/graph-client.ts';
import type { StepDefinition } from './definition.ts';

export const apiPermission: StepDefinition = {
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

import { DYNAMICS_CRM_APP_ID, type RequiredResourceAccess } from '../microsoft/graph-client.ts';
import type { StepDefinition } from './definition.ts';

function dynamicsPermission(scopeId: string): RequiredResourceAccess {
  return { resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [{ id: scopeId, type: 'Scope' }] };
}

export const appRegistration: StepDefinition = {
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
        const app = await graph.applicationByUniqueName(c.appUniqueName, { replication: true });
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

import { engineText } from '@kantiv/shared/engine-texts';
import { BlockerError, MicrosoftApiError } from '../errors.ts';
import {
  DYNAMICS_CRM_APP_ID,
  type GraphClient,
  type RequiredResourceAccess,
} from '../microsoft/graph-client.ts';
import type { Discovery } from '../types.ts';
import type { StepDefinition } from './definition.ts';

function dynamicsPermission(scopeId: string): RequiredResourceAccess {
  return { resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [{ id: scopeId, type: 'Scope' }] };
}

export const appRegistration: StepDefinition = {
  id: 'app_registration',
  dependsOn: ['preflight'],
  discover: (s) =>
    Promise.all([
      s.application(),
      s.servicePrincipalId(),
      s.servicePrincipalDisabled(),
      s.deletedApplication(),
    ]),
  plan(d, c) {
    const app = d.application;
    const deleted = d.deletedApplication;
    if (!app && deleted) {
      return {
        step: 'app_registration',
        action: 'update',
        summary: `Restore the app registration "${deleted.displayName}" (client id ${deleted.clientId}), deleted ${deleted.deletedDateTime?.slice(0, 10) ?? 'recently'}, and its enterprise application.`,
        details: [
          `Microsoft keeps a deleted app registration for 30 days with its unique name "${c.appUniqueName}", so it cannot be created again; restoring it needs no permission beyond what you already granted.`,
          'Its old secrets are removed after Kantiv holds the new one.',
        ],
      };
    }
    if (app && d.servicePrincipalId && d.servicePrincipalDisabled) {
      return {
        step: 'app_registration',
        action: 'update',
        summary: `Reuse the app registration "${app.displayName}" (client id ${app.clientId}) and enable its enterprise application for sign-in again.`,
        details: [
          'An admin disabled it ("Enabled for users to sign-in?" No), so Microsoft Entra gives Kantiv no token. Nothing else about it changes.',
        ],
      };
    }
    if (app) {
      return {
        step: 'app_registration',
        action: d.servicePrincipalId ? 'reuse' : 'update',
        summary: d.servicePrincipalId
          ? `Reuse the app registration "${app.displayName}" (client id ${app.clientId}).`
          : `Reuse the app registration "${app.displayName}" and bring back its enterprise application (service principal).`,
        details: d.servicePrincipalId
          ? []
          : [
              'Restored from Microsoft Entra’s deleted items if it was deleted in the last 30 days (with its settings), otherwise created anew.',
            ],
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
    let restored = false;
    if (d.application) {
      objectId = d.application.objectId;
      clientId = d.application.clientId;
    } else if (d.deletedApplication) {
      await restoreDeleted(graph, d.deletedApplication);
      objectId = d.deletedApplication.objectId;
      clientId = d.deletedApplication.clientId;
      restored = true;
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
    let spRestored = false;
    // A deleted service principal waits 30 days in deleted items (restoring an app does not restore it; deleting the
    // enterprise application alone puts it there too). Restored, it comes back as it was — its role assignments,
    // consent grants and properties; a new one would start empty and may not take the deleted one's name.
    if (!spId && (restored || d.application)) {
      const deletedSp = await graph.deletedServicePrincipalByAppId(clientId);
      if (deletedSp) {
        await graph.restoreDeletedItem(deletedSp.id);
        spId = deletedSp.id;
        spRestored = !restored;
      }
    }
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
    // A disabled enterprise application gets no token (AADSTS7000112): the repair enables the same one.
    const enabled = Boolean(d.application && spId && d.servicePrincipalDisabled);
    if (enabled && spId) await graph.enableServicePrincipal(spId);
    ctx.outputs.servicePrincipalId = spId;
    return {
      status: 'succeeded',
      message: created
        ? `Created the app registration "${c.appDisplayName}" (client id ${clientId}) and its enterprise application.`
        : restored
          ? `Restored the deleted app registration (client id ${clientId}) and its enterprise application.`
          : spRestored
            ? `Reused the app registration (client id ${clientId}) and restored its deleted enterprise application.`
            : spCreated
              ? `Reused the app registration (client id ${clientId}) and created its enterprise application.`
              : enabled
                ? `Reused the app registration (client id ${clientId}) and enabled its enterprise application for sign-in again.`
                : `Reused the app registration "${d.application?.displayName ?? c.appDisplayName}" (client id ${clientId}).`,
      data: { applicationObjectId: objectId, clientId, servicePrincipalId: spId, created },
    };
  },
};

/** Restores our deleted app; when Graph refuses, says exactly who can do it by hand and where. */
async function restoreDeleted(
  graph: GraphClient,
  app: NonNullable<Discovery['deletedApplication']>,
): Promise<void> {
  try {
    await graph.restoreDeletedItem(app.objectId);
  } catch (err) {
    if (!(err instanceof MicrosoftApiError) || (err.status !== 403 && err.status !== 400)) throw err;
    throw new BlockerError({
      code: 'deleted_app_not_restored',
      text: engineText('deleted_app_not_restored', {
        app: app.displayName,
        clientId: app.clientId,
        microsoft: err.message,
      }),
      message: `Kantiv's app registration "${app.displayName}" (client id ${app.clientId}) is in Microsoft Entra's deleted applications and could not be restored (${err.message}).`,
      ...(err.requestId ? { requestId: err.requestId } : {}),
      fix: `An Application Administrator or Cloud Application Administrator opens the Microsoft Entra admin center → App registrations → Deleted applications, selects "${app.displayName}" (client id ${app.clientId}) and chooses "Restore app registration" — or "Delete permanently" so Kantiv can create a new one. Then retry.`,
    });
  }
}

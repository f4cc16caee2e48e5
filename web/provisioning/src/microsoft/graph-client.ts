import { z } from 'zod';
import { MicrosoftApiError } from '../errors.ts';
import { odataString } from '../http/odata.ts';
import { MicrosoftClient, odataList as list } from './client.ts';

/** Dynamics CRM (Dataverse) first-party application, the resource of `user_impersonation`. */
export const DYNAMICS_CRM_APP_ID = '00000007-0000-0000-c000-000000000000';

export const PasswordCredentialSchema = z.object({
  keyId: z.string(),
  displayName: z.string().nullish(),
  startDateTime: z.string().nullish(),
  endDateTime: z.string().nullish(),
  hint: z.string().nullish(),
});
export type PasswordCredentialInfo = z.infer<typeof PasswordCredentialSchema>;

/** addPassword's answer: the only time Microsoft returns `secretText`. */
const NewPasswordCredentialSchema = PasswordCredentialSchema.extend({
  keyId: z.string(),
  endDateTime: z.string(),
  secretText: z.string().min(1),
});
export type NewPasswordCredential = z.infer<typeof NewPasswordCredentialSchema>;

const RequiredResourceAccessSchema = z.object({
  resourceAppId: z.string(),
  resourceAccess: z.array(z.object({ id: z.string(), type: z.string() })),
});
export type RequiredResourceAccess = z.infer<typeof RequiredResourceAccessSchema>;

/** A certificate on the app; `key` (base64 DER) only from `$select=keyCredentials` on the single object. */
export const KeyCredentialSchema = z.object({
  keyId: z.string(),
  displayName: z.string().nullish(),
  type: z.string().nullish(),
  usage: z.string().nullish(),
  key: z.string().nullish(),
  startDateTime: z.string().nullish(),
  endDateTime: z.string().nullish(),
});
export type KeyCredentialInfo = z.infer<typeof KeyCredentialSchema>;

export const ApplicationSchema = z.object({
  id: z.string(),
  appId: z.string(),
  displayName: z.string().nullish(),
  uniqueName: z.string().nullish(),
  signInAudience: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
  passwordCredentials: z.array(PasswordCredentialSchema).nullish(),
  keyCredentials: z.array(KeyCredentialSchema).nullish(),
  requiredResourceAccess: z.array(RequiredResourceAccessSchema).nullish(),
  createdDateTime: z.string().nullish(),
});
export type Application = z.infer<typeof ApplicationSchema>;

const DeletedApplicationSchema = z.object({
  id: z.string(),
  appId: z.string(),
  displayName: z.string().nullish(),
  uniqueName: z.string().nullish(),
  deletedDateTime: z.string().nullish(),
  // A deleted app keeps its credentials: restored, it signs in with them again (ledger R18-2).
  passwordCredentials: z.array(PasswordCredentialSchema).nullish(),
  keyCredentials: z.array(KeyCredentialSchema).nullish(),
});
export type DeletedApplication = z.infer<typeof DeletedApplicationSchema>;
const DeletedApplicationPageSchema = z.object({
  value: z.array(DeletedApplicationSchema),
  '@odata.nextLink': z.string().nullish(),
});

const PermissionScopeSchema = z.object({
  id: z.string(),
  value: z.string().nullish(),
  isEnabled: z.boolean().nullish(),
});

export const ServicePrincipalSchema = z.object({
  id: z.string(),
  appId: z.string(),
  displayName: z.string().nullish(),
  /** False when an admin disabled the enterprise application for sign-in (Entra then refuses its tokens). */
  accountEnabled: z.boolean().nullish(),
  oauth2PermissionScopes: z.array(PermissionScopeSchema).nullish(),
});
export type ServicePrincipal = z.infer<typeof ServicePrincipalSchema>;

const MeSchema = z.object({
  id: z.string(),
  userPrincipalName: z.string().nullish(),
  displayName: z.string().nullish(),
});
export type Me = z.infer<typeof MeSchema>;

const OrganizationSchema = z.object({
  value: z.array(z.object({ id: z.string(), displayName: z.string().nullish() })),
});

const DirectoryRoleListSchema = z.object({
  value: z.array(
    z.object({
      '@odata.type': z.string().optional(),
      displayName: z.string().nullish(),
      roleTemplateId: z.string().nullish(),
    }),
  ),
});

const APP_SELECT =
  'id,appId,displayName,uniqueName,signInAudience,tags,passwordCredentials,keyCredentials,requiredResourceAccess,createdDateTime';

/** Replication: Graph may not find an object for a while after it was created (reference A.9). */
export const isGraphReplicationError = (err: MicrosoftApiError): boolean =>
  err.status === 404 || err.is('Request_ResourceNotFound') || err.is('NoBackingApplicationObject');

/** Microsoft Graph v1.0, the calls of Steps 1–3. */
export class GraphClient extends MicrosoftClient {
  protected readonly service = 'graph';
  protected readonly resource = 'graph';
  protected readonly apiPath = '/v1.0';

  async me(): Promise<Me> {
    const res = await this.call({
      url: this.url('/me?$select=id,userPrincipalName,displayName'),
      schema: MeSchema,
    });
    return res.data;
  }

  async organization(): Promise<{ id: string; displayName?: string | null | undefined } | undefined> {
    const res = await this.call({
      url: this.url('/organization?$select=id,displayName'),
      schema: OrganizationSchema,
    });
    return res.data.value[0];
  }

  /**
   * Directory roles of the signed-in user, transitively (roles held through a role-assignable group count: Graph
   * enforces them). Template ids are stable across tenants; `null` when Graph gave the role with limited information
   * (the caller may not read directoryRole objects: under `User.Read` only `@odata.type` and `id` come back).
   */
  async myDirectoryRoles(): Promise<{ displayName: string | null; roleTemplateId: string | null }[]> {
    const res = await this.call({
      url: this.url(
        '/me/transitiveMemberOf/microsoft.graph.directoryRole?$select=displayName,roleTemplateId',
      ),
      schema: DirectoryRoleListSchema,
    });
    return res.data.value.map((r) => ({
      displayName: r.displayName ?? null,
      roleTemplateId: r.roleTemplateId ?? null,
    }));
  }

  /** `null` when the tenant has no such service principal (404 is an answer here, not replication). */
  async servicePrincipalByAppId(appId: string): Promise<ServicePrincipal | null> {
    const res = await this.call({
      url: this.url(
        `/servicePrincipals?$filter=appId eq ${odataString(appId)}&$select=id,appId,displayName,accountEnabled,oauth2PermissionScopes`,
      ),
      schema: list(ServicePrincipalSchema),
    });
    return res.data.value[0] ?? null;
  }

  /**
   * Our app by its alternate key, `null` when absent. `$filter` on `uniqueName` is not documented (Graph may refuse it
   * with `Request_UnsupportedQuery`); `/applications(uniqueName='…')` is. With `replication`, a 404 is waited on (the
   * app was just created by an upsert); without, it is the answer "no such app".
   */
  async applicationByUniqueName(
    uniqueName: string,
    opts: { replication?: boolean } = {},
  ): Promise<Application | null> {
    try {
      const res = await this.call({
        url: this.url(`/applications(uniqueName=${odataString(uniqueName)})?$select=${APP_SELECT}`),
        schema: ApplicationSchema,
        replication: opts.replication ? isGraphReplicationError : undefined,
        replicationMessage: 'Waiting for Microsoft Entra to replicate the application.',
      });
      return res.data;
    } catch (err) {
      if (!opts.replication && err instanceof MicrosoftApiError && err.status === 404) return null;
      throw err;
    }
  }

  /**
   * Deleted applications carrying our `uniqueName`: a deleted app keeps it for 30 days, so ours cannot be created
   * again until it is restored or deleted for good. The list cannot be filtered by `uniqueName`; it is short.
   */
  async deletedApplicationsByUniqueName(uniqueName: string): Promise<DeletedApplication[]> {
    const found: DeletedApplication[] = [];
    let url: string | undefined = this.url(
      `/directory/deletedItems/microsoft.graph.application?$select=id,appId,displayName,uniqueName,deletedDateTime,passwordCredentials,keyCredentials&$top=999`,
    );
    while (url) {
      const res: { data: z.infer<typeof DeletedApplicationPageSchema> } = await this.call({
        url,
        schema: DeletedApplicationPageSchema,
      });
      found.push(...res.data.value.filter((a) => a.uniqueName?.toLowerCase() === uniqueName.toLowerCase()));
      url = res.data['@odata.nextLink'] ?? undefined;
    }
    return found;
  }

  /** The deleted service principal of an app (restoring the app does not restore it). */
  async deletedServicePrincipalByAppId(appId: string): Promise<{ id: string } | null> {
    const res = await this.call({
      url: this.url(
        `/directory/deletedItems/microsoft.graph.servicePrincipal?$filter=appId eq ${odataString(appId)}&$select=id,appId`,
      ),
      schema: list(z.object({ id: z.string(), appId: z.string() })),
    });
    return res.data.value[0] ?? null;
  }

  /** Restores a deleted application or service principal (delegated `Application.ReadWrite.All`). */
  async restoreDeletedItem(id: string): Promise<void> {
    await this.call({
      method: 'POST',
      url: this.url(`/directory/deletedItems/${encodeURIComponent(id)}/restore`),
      schema: z.object({ id: z.string() }),
    });
  }

  async application(objectId: string, opts: { replication?: boolean } = {}): Promise<Application> {
    const res = await this.call({
      url: this.url(`/applications/${encodeURIComponent(objectId)}?$select=${APP_SELECT}`),
      schema: ApplicationSchema,
      replication: opts.replication ? isGraphReplicationError : undefined,
      replicationMessage: 'Waiting for Microsoft Entra to replicate the new application.',
    });
    return res.data;
  }

  /**
   * Upsert by the client-supplied alternate key: 201 with the new object, or 204 when it existed (updated). A re-run
   * after a crash therefore never creates a second application.
   */
  async upsertApplicationByUniqueName(
    uniqueName: string,
    body: Record<string, unknown>,
  ): Promise<{ created: boolean; application: Application | undefined }> {
    const res = await this.call({
      method: 'PATCH',
      url: this.url(`/applications(uniqueName=${odataString(uniqueName)})`),
      headers: { Prefer: 'create-if-missing' },
      body,
      schema: z.union([ApplicationSchema, z.undefined()]),
    });
    return { created: res.status === 201, application: res.data };
  }

  async updateApplication(objectId: string, body: Record<string, unknown>): Promise<void> {
    await this.call({
      method: 'PATCH',
      url: this.url(`/applications/${encodeURIComponent(objectId)}`),
      body,
      schema: undefined,
      replication: isGraphReplicationError,
      replicationMessage: 'Waiting for Microsoft Entra to replicate the new application.',
    });
  }

  /** Upsert the service principal by `appId` (`NoBackingApplicationObject` right after the app's creation). */
  async upsertServicePrincipal(
    appId: string,
  ): Promise<{ created: boolean; servicePrincipal: ServicePrincipal | undefined }> {
    const res = await this.call({
      method: 'PATCH',
      url: this.url(`/servicePrincipals(appId=${odataString(appId)})`),
      headers: { Prefer: 'create-if-missing' },
      body: {},
      schema: z.union([ServicePrincipalSchema, z.undefined()]),
      replication: isGraphReplicationError,
      replicationMessage:
        'Waiting for Microsoft Entra to replicate the new application before creating its service principal.',
    });
    return { created: res.status === 201, servicePrincipal: res.data };
  }

  /** Enables a disabled enterprise application for sign-in again (`accountEnabled`, issue 18 repair). */
  async enableServicePrincipal(id: string): Promise<void> {
    await this.call({
      method: 'PATCH',
      url: this.url(`/servicePrincipals/${encodeURIComponent(id)}`),
      body: { accountEnabled: true },
      schema: undefined,
    });
  }

  async addPassword(
    objectId: string,
    credential: { displayName: string; endDateTime: string },
  ): Promise<NewPasswordCredential> {
    const res = await this.call({
      method: 'POST',
      url: this.url(`/applications/${encodeURIComponent(objectId)}/addPassword`),
      body: { passwordCredential: credential },
      schema: NewPasswordCredentialSchema,
      replication: isGraphReplicationError,
      replicationMessage:
        'Waiting for Microsoft Entra to replicate the new application before adding its secret.',
    });
    return res.data;
  }

  async removePassword(objectId: string, keyId: string): Promise<void> {
    await this.call({
      method: 'POST',
      url: this.url(`/applications/${encodeURIComponent(objectId)}/removePassword`),
      body: { keyId },
      schema: undefined,
    });
  }

  /**
   * The app's certificates with their `key`: Graph returns it only for `$select=keyCredentials` on the single object,
   * and a PATCH of `keyCredentials` replaces the whole collection, so this is what a PATCH must send back to keep them.
   */
  async keyCredentials(objectId: string): Promise<KeyCredentialInfo[]> {
    const res = await this.call({
      url: this.url(`/applications/${encodeURIComponent(objectId)}?$select=keyCredentials`),
      schema: z.object({ keyCredentials: z.array(KeyCredentialSchema).nullish() }),
      replication: isGraphReplicationError,
      replicationMessage:
        'Waiting for Microsoft Entra to replicate the new application before reading its certificates.',
    });
    return res.data.keyCredentials ?? [];
  }
}

import { z } from 'zod';
import { MicrosoftApiError } from '../errors.ts';
import { odataString } from '../http/odata.ts';
import { DataverseClient } from './dataverse-client.ts';
import { GraphClient } from './graph-client.ts';

/** The deletes of a disconnect in Dataverse (ledger D18-1..3), with the admin's delegated token. */
export class DataverseRemovalClient extends DataverseClient {
  /** Deactivates an application user (`isdisabled`); its token then stops working in the environment. */
  async disableUser(userId: string): Promise<void> {
    await this.call({
      method: 'PATCH',
      url: this.url(`/systemusers(${userId})`),
      body: { isdisabled: true },
      schema: undefined,
    });
  }

  /** Deletes an inactive application user without roles; Dataverse refuses it otherwise (400). */
  async deleteUser(userId: string): Promise<void> {
    await this.call({ method: 'DELETE', url: this.url(`/systemusers(${userId})`), schema: undefined });
  }

  async unassignRole(userId: string, roleId: string): Promise<void> {
    await this.call({
      method: 'DELETE',
      url: this.url(`/systemusers(${userId})/systemuserroles_association(${roleId})/$ref`),
      schema: undefined,
    });
  }

  /** Refused (400) while a user or team holds the role (D18-3). */
  async deleteRole(roleId: string): Promise<void> {
    await this.call({ method: 'DELETE', url: this.url(`/roles(${roleId})`), schema: undefined });
  }
}

const AppSchema = z.object({ id: z.string(), appId: z.string(), displayName: z.string().nullish() });
export type RegisteredApp = z.infer<typeof AppSchema>;

/** The app registration's side of a disconnect in Microsoft Graph. */
export class GraphRemovalClient extends GraphClient {
  /** The app registration in the admin's tenant, `null` when there is none (deleted, or a shared app elsewhere). */
  async applicationByAppId(appId: string): Promise<RegisteredApp | null> {
    try {
      const res = await this.call({
        url: this.url(`/applications(appId=${odataString(appId)})?$select=id,appId,displayName`),
        schema: AppSchema,
      });
      return res.data;
    } catch (err) {
      if (err instanceof MicrosoftApiError && err.status === 404) return null;
      throw err;
    }
  }

  /** A soft delete: the app and its service principal wait 30 days in deleted items, restorable (D18-4). */
  async deleteApplication(objectId: string): Promise<void> {
    await this.call({
      method: 'DELETE',
      url: this.url(`/applications/${encodeURIComponent(objectId)}`),
      schema: undefined,
    });
  }
}

import { z } from 'zod';
import type { PrivilegeDepth } from '@kantiv/shared/manifest';
import { MicrosoftApiError } from '../errors.ts';
import { odataString } from '../http/odata.ts';
import type { CallContext, TokenResource, Transport } from '../http/transport.ts';
import { MicrosoftClient, odataList as list } from './client.ts';

const WhoAmISchema = z.object({
  BusinessUnitId: z.string(),
  UserId: z.string(),
  OrganizationId: z.string(),
});
export type WhoAmI = z.infer<typeof WhoAmISchema>;

const BusinessUnitSchema = z.object({ businessunitid: z.string(), name: z.string().nullish() });
export type BusinessUnit = z.infer<typeof BusinessUnitSchema>;

const RoleSchema = z.object({
  roleid: z.string(),
  name: z.string(),
  _businessunitid_value: z.string().nullish(),
  ismanaged: z.boolean().nullish(),
  _roletemplateid_value: z.string().nullish(),
});

/**
 * Role template id of the built-in System Administrator role: the same in every environment, whatever its base
 * language calls the role (Microsoft's IsSystemAdmin sample matches on it, FIDELITY.md I15-7).
 */
export const SYSTEM_ADMINISTRATOR_TEMPLATE = '627090ff-40a3-4053-8790-584edc5be201';
export type Role = z.infer<typeof RoleSchema>;

const PrivilegeSchema = z.object({ privilegeid: z.string(), name: z.string() });
export type Privilege = z.infer<typeof PrivilegeSchema>;

const DEPTHS = ['Basic', 'Local', 'Deep', 'Global', 'RecordFilter'] as const;
/** PrivilegeDepth arrives as its name or its number (0..4, 4 being `RecordFilter`), depending on the serializer. */
const DepthSchema = z.union([
  z.enum(DEPTHS),
  z
    .number()
    .int()
    .min(0)
    .max(4)
    .transform((n) => DEPTHS[n] ?? 'Basic'),
  z
    .string()
    .regex(/^[0-4]$/)
    .transform((s) => DEPTHS[Number(s)] ?? 'Basic'),
]);

const RolePrivilegeSchema = z.object({
  PrivilegeId: z.string(),
  Depth: DepthSchema,
  BusinessUnitId: z.string().nullish(),
  PrivilegeName: z.string().nullish(),
});
export type RolePrivilege = z.infer<typeof RolePrivilegeSchema>;

const SystemUserSchema = z.object({
  systemuserid: z.string(),
  applicationid: z.string().nullish(),
  isdisabled: z.boolean().nullish(),
  fullname: z.string().nullish(),
  _businessunitid_value: z.string().nullish(),
});
export type SystemUser = z.infer<typeof SystemUserSchema>;

/**
 * `0x8004f510` AzureApplicationIdNotFound (and `…f512` …InOrgDB): Dataverse has not yet seen the application Entra
 * just created (reference B.9). Retried with backoff like the other replication errors.
 */
export const isDataverseReplicationError = (err: MicrosoftApiError): boolean =>
  err.is('0x8004f510') || err.is('0x8004f512') || err.code === '-2147158768';

/** Dataverse answers "duplicate" when the association already exists (a re-run after a lost response). */
const isDuplicateAssociation = (err: MicrosoftApiError): boolean =>
  err.is('0x80040237') || /duplicate|already exists/i.test(err.message);

/** Dataverse Web API v9.2 of one environment, with the admin's delegated token for that environment. */
export class DataverseClient extends MicrosoftClient {
  protected readonly service = 'dataverse';
  protected readonly resource: TokenResource;
  protected readonly apiPath = '/api/data/v9.2';
  constructor(
    transport: Transport,
    ctx: CallContext,
    /** `ApiUrl` from Global Discovery (or the URL the admin typed). */
    apiUrl: string,
    /** `Url` from Global Discovery: the token audience. */
    environmentUrl: string,
  ) {
    super(transport, ctx, apiUrl);
    this.resource = { environmentUrl };
  }

  private get<S extends z.ZodType>(path: string, schema: S) {
    return this.call({ url: this.url(path), schema });
  }

  async whoAmI(): Promise<WhoAmI> {
    return (await this.get('/WhoAmI', WhoAmISchema)).data;
  }

  async rootBusinessUnit(): Promise<BusinessUnit | undefined> {
    const res = await this.get(
      '/businessunits?$select=businessunitid,name&$filter=_parentbusinessunitid_value eq null',
      list(BusinessUnitSchema),
    );
    return res.data.value[0];
  }

  async rolesByName(name: string, businessUnitId: string): Promise<Role[]> {
    const res = await this.get(
      `/roles?$select=roleid,name,_businessunitid_value,ismanaged&$filter=name eq ${odataString(name)} and _businessunitid_value eq ${businessUnitId}`,
      list(RoleSchema),
    );
    return res.data.value;
  }

  /** The roles an admin can pick: those of the root business unit. */
  async rolesOfBusinessUnit(businessUnitId: string): Promise<Role[]> {
    const res = await this.get(
      `/roles?$select=roleid,name,_businessunitid_value,ismanaged&$filter=_businessunitid_value eq ${businessUnitId}&$orderby=name`,
      list(RoleSchema),
    );
    return res.data.value;
  }

  async role(roleId: string): Promise<Role | null> {
    const res = await this.get(
      `/roles?$select=roleid,name,_businessunitid_value,ismanaged&$filter=roleid eq ${roleId}`,
      list(RoleSchema),
    );
    return res.data.value[0] ?? null;
  }

  async createRole(name: string, businessUnitId: string): Promise<Role> {
    const res = await this.call({
      method: 'POST',
      url: this.url(`/roles?$select=roleid,name,_businessunitid_value,ismanaged`),
      headers: { Prefer: 'return=representation' },
      body: { name, 'businessunitid@odata.bind': `/businessunits(${businessUnitId})` },
      schema: z.union([RoleSchema, z.undefined()]),
      // Role names are not unique: a retry after a commit that answered 504 would make a second role.
      rediscover: async () => (await this.rolesByName(name, businessUnitId))[0],
    });
    if (res.data) return res.data;
    const id = idFromEntityId(res.headers.get('OData-EntityId'));
    if (!id) throw new Error('Dataverse created the role but did not say its id.');
    return { roleid: id, name, _businessunitid_value: businessUnitId, ismanaged: false };
  }

  /** Privilege ids by name (`prvReadAccount`), in chunks to keep URLs short. */
  async privilegesByName(names: string[]): Promise<Privilege[]> {
    const out: Privilege[] = [];
    for (let i = 0; i < names.length; i += 20) {
      const chunk = names.slice(i, i + 20);
      const filter = chunk.map((n) => `name eq ${odataString(n)}`).join(' or ');
      const res = await this.get(
        `/privileges?$select=privilegeid,name&$filter=${filter}`,
        list(PrivilegeSchema),
      );
      out.push(...res.data.value);
    }
    return out;
  }

  async rolePrivileges(roleId: string): Promise<RolePrivilege[]> {
    const res = await this.get(
      `/RetrieveRolePrivilegesRole(RoleId=${roleId})`,
      z.object({ RolePrivileges: z.array(RolePrivilegeSchema) }),
    );
    return res.data.RolePrivileges;
  }

  /** `replace` (ReplacePrivilegesRole) makes the role hold exactly these privileges; else they are added. */
  async addPrivilegesToRole(
    roleId: string,
    privileges: { privilegeId: string; depth: PrivilegeDepth; businessUnitId: string }[],
    opts: { replace?: boolean } = {},
  ): Promise<void> {
    const action = opts.replace ? 'ReplacePrivilegesRole' : 'AddPrivilegesRole';
    await this.call({
      method: 'POST',
      url: this.url(`/roles(${roleId})/Microsoft.Dynamics.CRM.${action}`),
      body: {
        Privileges: privileges.map((p) => ({
          PrivilegeId: p.privilegeId,
          Depth: p.depth,
          BusinessUnitId: p.businessUnitId,
        })),
      },
      schema: undefined,
    });
  }

  async applicationUsers(appId: string): Promise<SystemUser[]> {
    const res = await this.get(
      `/systemusers?$select=systemuserid,applicationid,isdisabled,fullname,_businessunitid_value&$filter=applicationid eq ${appId}`,
      list(SystemUserSchema),
    );
    return res.data.value;
  }

  /** Refused with `0x8004f510` until Entra has replicated the app to Dataverse: waited for, reported. */
  async createApplicationUser(appId: string, businessUnitId: string): Promise<SystemUser> {
    const res = await this.call({
      method: 'POST',
      url: this.url(
        `/systemusers?$select=systemuserid,applicationid,isdisabled,fullname,_businessunitid_value`,
      ),
      headers: { Prefer: 'return=representation' },
      // accessmode 4 (Non-interactive) and enabled: what public provisioning code for real tenants sends (ledger V16).
      body: {
        applicationid: appId,
        'businessunitid@odata.bind': `/businessunits(${businessUnitId})`,
        accessmode: 4,
        isdisabled: false,
      },
      schema: z.union([SystemUserSchema, z.undefined()]),
      replication: isDataverseReplicationError,
      rediscover: async () => (await this.applicationUsers(appId))[0],
      replicationMessage:
        'Waiting for Microsoft to make the new application known to Dataverse (this can take a few minutes).',
    });
    if (res.data) return res.data;
    const id = idFromEntityId(res.headers.get('OData-EntityId'));
    if (!id) throw new Error('Dataverse created the application user but did not say its id.');
    return { systemuserid: id, applicationid: appId };
  }

  async userRoles(userId: string): Promise<Role[]> {
    const res = await this.get(
      `/systemusers(${userId})/systemuserroles_association?$select=roleid,name,_businessunitid_value,_roletemplateid_value`,
      list(RoleSchema),
    );
    return res.data.value;
  }

  /** The owner teams a user is a member of: their roles count as the user's own. */
  async userTeamIds(userId: string): Promise<string[]> {
    const res = await this.get(
      `/systemusers(${userId})/teammembership_association?$select=teamid`,
      list(z.object({ teamid: z.string() })),
    );
    return res.data.value.map((t) => t.teamid);
  }

  async teamRoles(teamId: string): Promise<Role[]> {
    const res = await this.get(
      `/teams(${teamId})/teamroles_association?$select=roleid,name,_roletemplateid_value`,
      list(RoleSchema),
    );
    return res.data.value;
  }

  /**
   * Activates a deactivated application user (`isdisabled: false`), the same user with its id and roles: a repair of
   * a user an admin deactivated (ledger R18-3). Dataverse refuses it for an interactive user (Entra owns its status).
   */
  async enableUser(userId: string): Promise<void> {
    await this.call({
      method: 'PATCH',
      url: this.url(`/systemusers(${userId})`),
      body: { isdisabled: false },
      schema: undefined,
    });
  }

  async assignRole(userId: string, roleId: string): Promise<{ alreadyAssigned: boolean }> {
    try {
      await this.call({
        method: 'POST',
        url: this.url(`/systemusers(${userId})/systemuserroles_association/$ref`),
        body: { '@odata.id': this.url(`/roles(${roleId})`) },
        schema: undefined,
      });
      return { alreadyAssigned: false };
    } catch (err) {
      if (err instanceof MicrosoftApiError && isDuplicateAssociation(err)) {
        return { alreadyAssigned: true };
      }
      throw err;
    }
  }
}

function idFromEntityId(header: string | null): string | undefined {
  if (!header) return undefined;
  return /\(([0-9a-fA-F-]{36})\)\s*$/.exec(header)?.[1];
}

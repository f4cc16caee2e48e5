import { emulator } from './emulator-fixture.ts';
import { call, createAppWithPrincipal, tokenFor } from './helpers.ts';

export const GDS = 'https://globaldisco.crm.dynamics.com/api/discovery/v2.0/Instances';
export const DV = 'https://contoso.api.crm.dynamics.com/api/data/v9.2';
export const ORG = 'https://contoso.crm.dynamics.com';

export const gdsToken = (user: string) =>
  tokenFor(emulator, user, 'https://globaldisco.crm.dynamics.com/user_impersonation');
export const dvToken = (user: string, org = ORG) => tokenFor(emulator, user, `${org}/user_impersonation`);

export interface Instance {
  FriendlyName: string;
  IsUserSysAdmin: boolean;
  TenantId: string;
  ApiUrl: string;
  Url: string;
  /** OrganizationState: 0 Enabled, 1 Disabled. */
  State: number;
}

export async function rootBu(token: string): Promise<string> {
  const r = await call(
    emulator,
    `${DV}/businessunits?$select=businessunitid,name&$filter=_parentbusinessunitid_value eq null`,
    { token },
  );
  return (r.json.value as { businessunitid: string }[])[0]?.businessunitid ?? '';
}

export async function newConnectorApp(): Promise<string> {
  return (await createAppWithPrincipal(emulator, 'Connector')).appId;
}

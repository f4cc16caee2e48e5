import type { StepError } from '@kantiv/shared/steps';
import { normalizeUrl } from '../config.ts';
import { CancelledError, MicrosoftApiError, toStepError } from '../errors.ts';
import type { Role } from '../microsoft/dataverse-client.ts';
import type { Instance } from '../microsoft/discovery-client.ts';
import type { EnvironmentOption, RoleOption } from '../types.ts';

export function toOption(i: Instance, tenantId: string): EnvironmentOption {
  return {
    url: normalizeUrl(i.Url),
    apiUrl: normalizeUrl(i.ApiUrl),
    name: i.FriendlyName ?? i.UniqueName ?? i.Url,
    uniqueName: i.UniqueName ?? null,
    organizationId: i.Id,
    tenantId: i.TenantId?.toLowerCase() ?? null,
    isUserSysAdmin: i.IsUserSysAdmin ?? null,
    // GDS lists only the user's tenant in practice; a guest or a shared instance can still show another tenant's.
    sameTenant: !i.TenantId || i.TenantId.toLowerCase() === tenantId.toLowerCase(),
    enabled: i.State == null || i.State === 0,
    discovered: true,
  };
}

export function toRoleOption(r: Role): RoleOption {
  return { roleId: r.roleid, name: r.name, managed: r.ismanaged === true };
}

export function environmentReadError(err: unknown): StepError {
  if (err instanceof CancelledError) throw err;
  const base = toStepError(err);
  if (err instanceof MicrosoftApiError && (err.status === 401 || err.status === 403)) {
    return {
      ...base,
      fix: 'Your account cannot work in this environment. Check the address belongs to your organization, and ask an administrator of the environment to add you as a user with the System Administrator role.',
    };
  }
  return base;
}

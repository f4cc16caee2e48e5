import { z } from 'zod';
import { request } from '../http/request.ts';
import type { CallContext, Transport } from '../http/transport.ts';

export const InstanceSchema = z.object({
  Id: z.string(),
  EnvironmentId: z.string().nullish(),
  FriendlyName: z.string().nullish(),
  UniqueName: z.string().nullish(),
  UrlName: z.string().nullish(),
  /** The app URL and the token audience, e.g. `https://contoso.crm.dynamics.com`. */
  Url: z.string(),
  /** Where the Web API lives, e.g. `https://contoso.api.crm.dynamics.com`. */
  ApiUrl: z.string(),
  TenantId: z.string().nullish(),
  IsUserSysAdmin: z.boolean().nullish(),
  /** 0 enabled, 1 disabled. */
  State: z.number().nullish(),
  Version: z.string().nullish(),
  Region: z.string().nullish(),
});
export type Instance = z.infer<typeof InstanceSchema>;

const SELECT =
  'Id,EnvironmentId,FriendlyName,UniqueName,UrlName,Url,ApiUrl,TenantId,IsUserSysAdmin,State,Version,Region';

/** Dynamics 365 Global Discovery v2.0: the environments the signed-in user can reach. */
export class DiscoveryClient {
  constructor(
    private readonly transport: Transport,
    private readonly ctx: CallContext,
    private readonly baseUrl: string,
  ) {}

  async instances(): Promise<Instance[]> {
    const res = await request(this.transport, this.ctx, {
      service: 'discovery',
      resource: 'discovery',
      url: `${this.baseUrl.replace(/\/$/, '')}/api/discovery/v2.0/Instances?$select=${SELECT}`,
      schema: z.object({ value: z.array(InstanceSchema) }),
    });
    return res.data.value;
  }
}

import { z } from 'zod';
import { MicrosoftClient, odataList } from './client.ts';

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
export class DiscoveryClient extends MicrosoftClient {
  protected readonly service = 'discovery';
  protected readonly resource = 'discovery';
  protected readonly apiPath = '/api/discovery/v2.0';

  async instances(): Promise<Instance[]> {
    const res = await this.call({
      url: this.url(`/Instances?$select=${SELECT}`),
      schema: odataList(InstanceSchema),
    });
    return res.data.value;
  }
}

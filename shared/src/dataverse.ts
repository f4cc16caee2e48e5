import { z } from 'zod';

/** Microsoft's clouds, each with its own Dataverse domains (and its own Entra authority). */
export const DataverseCloudSchema = z.enum(['public', 'usgov', 'china']);
export type DataverseCloud = z.infer<typeof DataverseCloudSchema>;

const ORG = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
// `<org>.crm<N>.dynamics.com` (public and GCC; N is the region), `<org>.crm.microsoftdynamics.us` (GCC High),
// `<org>.crm.appsplatform.us` (DoD), `<org>.crm.dynamics.cn` (21Vianet); `api.` is the Web API's own host.
const HOSTS: Record<DataverseCloud, RegExp[]> = {
  public: [new RegExp(`^${ORG}\\.(?:api\\.)?crm\\d*\\.dynamics\\.com$`)],
  usgov: [
    new RegExp(`^${ORG}\\.(?:api\\.)?crm\\d*\\.microsoftdynamics\\.us$`),
    new RegExp(`^${ORG}\\.(?:api\\.)?crm\\d*\\.appsplatform\\.us$`),
  ],
  china: [new RegExp(`^${ORG}\\.(?:api\\.)?crm\\d*\\.dynamics\\.cn$`)],
};

/**
 * A Dataverse environment URL: https on port 443, an organization host under a Dataverse domain (of `cloud`, or of
 * any cloud), no credentials, path, query or fragment. The server connects to it with a customer's secret, so
 * anything else would let a caller point that secret, or our server, at a host of their choosing.
 */
export function isDataverseUrl(raw: string, cloud?: DataverseCloud): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.port !== '' || url.username || url.password) return false;
  if (url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return false;
  const clouds = cloud ? [cloud] : DataverseCloudSchema.options;
  return clouds.some((c) => HOSTS[c].some((re) => re.test(url.hostname)));
}

export const DataverseUrlSchema = z
  .url({ protocol: /^https$/ })
  .max(300)
  .refine((v) => isDataverseUrl(v), {
    message: 'must be a Dataverse environment URL, e.g. https://contoso.crm.dynamics.com',
  });

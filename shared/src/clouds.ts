import { z } from 'zod';
import type { DataverseCloud } from './dataverse.ts';

/**
 * Microsoft's clouds. Every endpoint and every resource identifier changes with the cloud, together: the Entra
 * authority, Graph, Global Discovery and the Dataverse domains (reference B.10; Microsoft Learn "National cloud
 * deployments" for Entra and Graph, "Discover the URL for your organization" for Global Discovery). GCC (moderate)
 * tenants sign in to the commercial Entra cloud and use commercial Graph; only their Dataverse is apart (`crm9`).
 */
export const MicrosoftCloudSchema = z.enum(['public', 'gcc', 'gcchigh', 'dod', 'china']);
export type MicrosoftCloud = z.infer<typeof MicrosoftCloudSchema>;

export interface CloudEndpoints {
  authorityHost: string;
  /** Graph's root, which is also its resource identifier in scopes (`<graph>/Application.ReadWrite.All`). */
  graphBaseUrl: string;
  /** Global Discovery's root, also its resource identifier (`<discovery>/user_impersonation`). */
  discoveryBaseUrl: string;
  /** Which Dataverse domains an environment URL of this cloud may have. */
  dataverse: DataverseCloud;
}

export const MICROSOFT_CLOUDS: Record<MicrosoftCloud, CloudEndpoints> = {
  public: {
    authorityHost: 'https://login.microsoftonline.com',
    graphBaseUrl: 'https://graph.microsoft.com',
    discoveryBaseUrl: 'https://globaldisco.crm.dynamics.com',
    dataverse: 'public',
  },
  gcc: {
    authorityHost: 'https://login.microsoftonline.com',
    graphBaseUrl: 'https://graph.microsoft.com',
    discoveryBaseUrl: 'https://globaldisco.crm9.dynamics.com',
    dataverse: 'public',
  },
  gcchigh: {
    authorityHost: 'https://login.microsoftonline.us',
    graphBaseUrl: 'https://graph.microsoft.us',
    discoveryBaseUrl: 'https://globaldisco.crm.microsoftdynamics.us',
    dataverse: 'usgov',
  },
  dod: {
    authorityHost: 'https://login.microsoftonline.us',
    graphBaseUrl: 'https://dod-graph.microsoft.us',
    discoveryBaseUrl: 'https://globaldisco.crm.appsplatform.us',
    dataverse: 'usgov',
  },
  china: {
    authorityHost: 'https://login.chinacloudapi.cn',
    graphBaseUrl: 'https://microsoftgraph.chinacloudapi.cn',
    discoveryBaseUrl: 'https://globaldisco.crm.dynamics.cn',
    dataverse: 'china',
  },
};

/** The cloud an authority belongs to, for a configuration that names only the authority (GCC cannot be told apart). */
export function cloudOfAuthority(authority: string): MicrosoftCloud {
  const host = new URL(authority).hostname;
  if (/(^|\.)microsoftonline\.us$/.test(host)) return 'gcchigh';
  if (/(^|\.)(chinacloudapi\.cn|microsoftonline\.cn)$/.test(host)) return 'china';
  return 'public';
}

export { discoveryScope, graphScope } from './cloud-scopes.ts';

import { APP_DISPLAY_NAME, APP_TAG, APP_UNIQUE_NAME } from '@kantiv/shared/naming';
import { DEFAULT_MANIFEST, type Manifest } from '@kantiv/shared/manifest';
import { setupCertificateName, setupSecretName } from './credential-naming.ts';
import type { EngineConfig } from './types.ts';

export const DEFAULT_GRAPH_URL = 'https://graph.microsoft.com';
export const DEFAULT_DISCOVERY_URL = 'https://globaldisco.crm.dynamics.com';

/** `EngineConfig` with every default applied and every URL and id normalized, checked once. */
export interface ResolvedConfig {
  graphUrl: string;
  discoveryUrl: string;
  appDisplayName: string;
  appUniqueName: string;
  appTag: string;
  environmentUrl: string | undefined;
  manifest: Manifest;
  role: { mode: 'create' } | { mode: 'existing'; roleId: string };
  secretLifetimeMonths: number;
  handedOffSecretKeyId: string | undefined;
  /** This setup's client secret name; only secrets with it are this run's to keep, replace and clean up. */
  secretDisplayName: string;
  /** `certificate` needs a way to get one from our server (`EngineOptions.certificate`); else `client_secret`. */
  credentialKind: 'certificate' | 'client_secret';
  /** The engine can get certificates (so a secret is the admin's choice or the policy's doing). */
  certificatesPossible: boolean;
  /** This setup's certificate name in `keyCredentials` (the same ownership rule as the secret's). */
  certificateDisplayName: string;
  tenantId: string | undefined;
  concurrency: 'parallel' | 'sequential';
  /** `setup` (the first run) or a follow-up link's purpose. */
  purpose: 'setup' | 'renew' | 'repair';
  /** A renewal: the keyId of the credential being replaced (never reused; removed after the server's switch). */
  replacesKeyId: string | undefined;
}

export function resolveConfig(config: EngineConfig, canMakeCertificates = false): ResolvedConfig {
  const months = config.secretLifetimeMonths ?? 12;
  if (!Number.isInteger(months) || months < 1 || months > 24) {
    throw new RangeError('secretLifetimeMonths must be a whole number from 1 to 24.');
  }
  const renewing = config.purpose === 'renew';
  return {
    graphUrl: (config.endpoints?.graph ?? DEFAULT_GRAPH_URL).replace(/\/$/, ''),
    discoveryUrl: (config.endpoints?.discovery ?? DEFAULT_DISCOVERY_URL).replace(/\/$/, ''),
    appDisplayName: config.application?.displayName ?? APP_DISPLAY_NAME,
    appUniqueName: config.application?.uniqueName ?? APP_UNIQUE_NAME,
    appTag: config.application?.tag ?? APP_TAG,
    environmentUrl: config.environmentUrl ? normalizeUrl(config.environmentUrl) : undefined,
    manifest: config.manifest ?? DEFAULT_MANIFEST,
    role: config.role ?? { mode: 'create' },
    secretLifetimeMonths: months,
    // A renewal never keeps the credential it replaces: the held key is "replaced", not "handed off".
    handedOffSecretKeyId: renewing ? undefined : config.handedOffSecretKeyId?.toLowerCase(),
    secretDisplayName: setupSecretName(config.credentialOwner),
    credentialKind: canMakeCertificates ? (config.credentialKind ?? 'certificate') : 'client_secret',
    certificatesPossible: canMakeCertificates,
    certificateDisplayName: setupCertificateName(config.credentialOwner),
    tenantId: config.tenantId?.toLowerCase(),
    concurrency: config.concurrency ?? 'parallel',
    purpose: config.purpose ?? 'setup',
    replacesKeyId: renewing ? config.handedOffSecretKeyId?.toLowerCase() : undefined,
  };
}

export function normalizeUrl(url: string): string {
  try {
    const u = new URL(url.trim());
    return `${u.protocol}//${u.host}`.toLowerCase();
  } catch {
    return url.trim().replace(/\/+$/, '').toLowerCase();
  }
}

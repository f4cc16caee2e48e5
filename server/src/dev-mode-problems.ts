/** The settings `devModeProblems` looks at (a slice of the parsed configuration). */
export interface DevModeSettings {
  KANTIV_DEV_MODE: boolean;
  MICROSOFT_HOST_MAP?: unknown[] | undefined;
  MICROSOFT_CA_FILE?: string | undefined;
  WEBHOOK_ALLOW_LOOPBACK: boolean;
  MICROSOFT_AUTHORITY_HOST?: string | undefined;
  MICROSOFT_JWKS_URL?: string | undefined;
  STAFF_JWKS_URL?: string | undefined;
}

/**
 * Settings that point Microsoft traffic somewhere else, trust another CA, or drop TLS: each is how the emulator is
 * reached in tests and the demo, and each would hand a production server's tokens and secrets to whoever controls
 * the other end. Refused unless KANTIV_DEV_MODE says this is not production.
 */
export function devModeProblems(c: DevModeSettings): string[] {
  if (c.KANTIV_DEV_MODE) return [];
  const needsDev = 'is allowed only with KANTIV_DEV_MODE=true (development and tests)';
  const problems: string[] = [];
  if (c.MICROSOFT_HOST_MAP) problems.push(`MICROSOFT_HOST_MAP: ${needsDev}`);
  if (c.MICROSOFT_CA_FILE) problems.push(`MICROSOFT_CA_FILE: ${needsDev}`);
  if (c.WEBHOOK_ALLOW_LOOPBACK) problems.push(`WEBHOOK_ALLOW_LOOPBACK: ${needsDev}`);
  const urls = {
    MICROSOFT_AUTHORITY_HOST: c.MICROSOFT_AUTHORITY_HOST,
    MICROSOFT_JWKS_URL: c.MICROSOFT_JWKS_URL,
    STAFF_JWKS_URL: c.STAFF_JWKS_URL,
  };
  for (const [key, url] of Object.entries(urls)) {
    if (url && !url.startsWith('https://')) problems.push(`${key}: must be https:// (http:// ${needsDev})`);
  }
  return problems;
}

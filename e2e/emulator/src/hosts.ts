/**
 * Microsoft's host names the emulator answers for: one list for its certificate's names, Chromium's
 * `--host-resolver-rules`, the server's `MICROSOFT_HOST_MAP` and the emulator's own Node `fetch`. A leading `*.`
 * means any name below that domain (`*.crm.dynamics.com` also covers `contoso.api.crm.dynamics.com`).
 */
export const MICROSOFT_HOSTS = [
  'login.microsoftonline.com',
  'login.microsoft.com',
  'login.windows.net',
  'graph.microsoft.com',
  'globaldisco.crm.dynamics.com',
  '*.crm.dynamics.com',
  '*.api.crm.dynamics.com',
] as const;

export function isMicrosoftHost(hostname: string): boolean {
  const name = hostname.toLowerCase();
  return MICROSOFT_HOSTS.some((h) => (h.startsWith('*.') ? name.endsWith(h.slice(1)) : name === h));
}

/** Chromium's flags: the same names resolved to the emulator, its self-signed certificate accepted. */
export function chromiumHostArgs(port: number): string[] {
  const rules = MICROSOFT_HOSTS.map((h) => `MAP ${h}:443 127.0.0.1:${port}`).join(', ');
  return [`--host-resolver-rules=${rules}, EXCLUDE localhost`, '--ignore-certificate-errors'];
}

/** The server's `MICROSOFT_HOST_MAP` value for an emulator on this port (`host=address:port,…`). */
export function microsoftHostMap(port: number): string {
  return MICROSOFT_HOSTS.map((h) => `${h}=127.0.0.1:${port}`).join(',');
}

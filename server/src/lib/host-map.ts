/** `MICROSOFT_HOST_MAP` (development only): which Microsoft host names the server sends to which local address. */
export type HostMapping = { pattern: string; host: string; port: number };

/** Parses `host=address:port` entries; a malformed entry becomes a problem named for the start-up error. */
export function parseHostMap(entries: string[], problems: string[]): HostMapping[] {
  const hostMap: HostMapping[] = [];
  for (const entry of entries) {
    const m = /^([*a-z0-9.-]+)=([a-z0-9.-]+):(\d{1,5})$/i.exec(entry);
    if (m?.[1] && m[2] && m[3]) hostMap.push({ pattern: m[1].toLowerCase(), host: m[2], port: Number(m[3]) });
    else problems.push(`MICROSOFT_HOST_MAP: "${entry}" must look like host=address:port`);
  }
  return hostMap;
}

import { privilegeName, type Manifest, type PrivilegeDepth } from '@kantiv/shared/manifest';

export interface ManifestPrivilege {
  name: string;
  depth: PrivilegeDepth;
}

/** The privileges the manifest asks for, e.g. `prvReadAccount` at Global depth. */
export function manifestPrivileges(manifest: Manifest): ManifestPrivilege[] {
  return manifest.tables.flatMap((t) =>
    t.access.map((a) => ({ name: privilegeName(a, t.schemaName), depth: t.depth })),
  );
}

const DEPTH_ORDER: Record<PrivilegeDepth, number> = { Basic: 0, Local: 1, Deep: 2, Global: 3 };
export function depthAtLeast(held: PrivilegeDepth, wanted: PrivilegeDepth): boolean {
  return DEPTH_ORDER[held] >= DEPTH_ORDER[wanted];
}

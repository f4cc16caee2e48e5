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

/** A depth a role can hold: the manifest's four, or `RecordFilter` (4), set by a record filter in the admin center. */
export type HeldDepth = PrivilegeDepth | 'RecordFilter';

const DEPTH_ORDER: Record<PrivilegeDepth, number> = { Basic: 0, Local: 1, Deep: 2, Global: 3 };
/** A record-filtered privilege reaches only the records its filter admits, so it never counts as a manifest depth. */
export function depthAtLeast(held: HeldDepth, wanted: PrivilegeDepth): boolean {
  return held !== 'RecordFilter' && DEPTH_ORDER[held] >= DEPTH_ORDER[wanted];
}

/**
 * Privileges Dataverse puts in every new security role on its own (Microsoft's Web API functions-and-actions sample
 * prints these 9 for a new role), and which `ReplacePrivilegesRole` does not reliably take away. Our role's least
 * privilege is therefore the manifest plus these: they are neither "extra" nor removed, and they are reported.
 */
export const MICROSOFT_DEFAULT_ROLE_PRIVILEGES: readonly string[] = [
  'prvReadSdkMessage',
  'prvReadSdkMessageProcessingStep',
  'prvReadSdkMessageProcessingStepImage',
  'prvReadPluginAssembly',
  'prvReadPluginType',
  'prvReadSharePointData',
  'prvWriteSharePointData',
  'prvCreateSharePointData',
  'prvReadSharePointDocument',
];

/** A privilege a role holds, by name (`prvDeleteAccount`) and depth. */
export interface HeldPrivilege {
  name: string;
  depth: HeldDepth;
}

/**
 * What an existing role grants beyond the manifest: privileges the manifest does not ask for (Microsoft's defaults
 * aside, every role has them) and manifest privileges held at a wider depth. `wantedIds` maps privilege id → the
 * manifest's depth; `held` is `RetrieveRolePrivilegesRole`'s answer.
 */
export function privilegesBeyond(
  held: { PrivilegeId: string; PrivilegeName?: string | null | undefined; Depth: HeldDepth }[],
  wantedIds: Map<string, PrivilegeDepth>,
): HeldPrivilege[] {
  return held
    .filter((h) => {
      const wanted = wantedIds.get(h.PrivilegeId.toLowerCase());
      if (!wanted) return !MICROSOFT_DEFAULT_ROLE_PRIVILEGES.includes(h.PrivilegeName ?? '');
      return h.Depth !== 'RecordFilter' && DEPTH_ORDER[h.Depth] > DEPTH_ORDER[wanted];
    })
    .map((h) => ({ name: h.PrivilegeName ?? h.PrivilegeId, depth: h.Depth }));
}

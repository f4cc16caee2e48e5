import {
  PrivilegeDepthSchema,
  TableAccessSchema,
  type PrivilegeDepth,
  type TableAccess,
  type TablePermission,
} from '@kantiv/shared/manifest';

/**
 * Privileges as the admin reads them in the Power Platform admin center's security role editor: the table by its
 * display name, the privilege (Create … Share, "Append to") and the access level (User, Business Unit,
 * Parent: Child Business Unit, Organization), rather than Dataverse's `prvCreateAccount`. The words themselves are
 * in the wizard's catalogs (`access.*`, `depth.*`); this module finds which ones a privilege name means.
 */
// Longest first: `prvAppendToAccount` must not read as Append on a table "ToAccount".
const ACCESS_BY_LENGTH = [...TableAccessSchema.options].sort((a, b) => b.length - a.length);

export type PrivilegeInWords = {
  name: string;
  table: string;
  access: TableAccess | undefined;
  depth: PrivilegeDepth | undefined;
};

/** One `prv<Access><SchemaName>` of the manifest as table, privilege and access level; unknown names stay as they are. */
export function describePrivilege(name: string, tables: TablePermission[]): PrivilegeInWords {
  const rest = name.startsWith('prv') ? name.slice(3) : name;
  for (const access of ACCESS_BY_LENGTH) {
    if (!rest.startsWith(access)) continue;
    const schema = rest.slice(access.length).toLowerCase();
    const table = tables.find((t) => t.schemaName.toLowerCase() === schema);
    if (table) {
      return {
        name,
        table: table.displayName,
        access,
        depth: table.depth,
      };
    }
  }
  return { name, table: name, access: undefined, depth: undefined };
}

/**
 * A privilege an existing role holds beyond the manifest, in the same words. A table outside the manifest goes by the
 * name in the privilege (`prvDeleteLead` → Lead); a miscellaneous privilege (`prvBulkDelete`) keeps its own name, with
 * neither table nor privilege word. `RecordFilter` has no access level word: the admin center names the filter instead.
 */
export function describeHeldPrivilege(
  held: { name: string; depth: string },
  tables: TablePermission[],
): PrivilegeInWords {
  const known = describePrivilege(held.name, tables);
  const depth = isManifestDepth(held.depth) ? held.depth : undefined;
  if (known.access) return { ...known, depth };
  const rest = held.name.startsWith('prv') ? held.name.slice(3) : held.name;
  const access = ACCESS_BY_LENGTH.find((a) => rest.startsWith(a) && rest.length > a.length);
  return access
    ? { name: held.name, table: rest.slice(access.length), access, depth }
    : { name: held.name, table: held.name, access: undefined, depth };
}

function isManifestDepth(depth: string): depth is PrivilegeDepth {
  return (PrivilegeDepthSchema.options as readonly string[]).includes(depth);
}

/** Dataverse's built-in role that holds every privilege of the environment. */
export function isSystemAdministrator(roleName: string): boolean {
  return roleName.trim().toLowerCase() === 'system administrator';
}

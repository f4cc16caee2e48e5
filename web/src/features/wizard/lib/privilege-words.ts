import {
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

/** Dataverse's built-in role that holds every privilege of the environment. */
export function isSystemAdministrator(roleName: string): boolean {
  return roleName.trim().toLowerCase() === 'system administrator';
}

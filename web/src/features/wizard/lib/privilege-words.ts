import type { PrivilegeDepth, TableAccess, TablePermission } from '@kantiv/shared/manifest';

/**
 * Privileges as the admin reads them in the Power Platform admin center's security role editor: the table by its
 * display name, the privilege (Create … Share, "Append to") and the access level (User, Business Unit,
 * Parent: Child Business Unit, Organization), rather than Dataverse's `prvCreateAccount`.
 */
export const ACCESS_LEVEL_WORDS: Record<PrivilegeDepth, string> = {
  Basic: 'User',
  Local: 'Business Unit',
  Deep: 'Parent: Child Business Unit',
  Global: 'Organization',
};

export const ACCESS_WORDS: Record<TableAccess, string> = {
  Create: 'Create',
  Read: 'Read',
  Write: 'Write',
  Delete: 'Delete',
  Append: 'Append',
  AppendTo: 'Append to',
  Assign: 'Assign',
  Share: 'Share',
};

// Longest first: `prvAppendToAccount` must not read as Append on a table "ToAccount".
const ACCESS_BY_LENGTH = (Object.keys(ACCESS_WORDS) as TableAccess[]).sort((a, b) => b.length - a.length);

export type PrivilegeInWords = { name: string; table: string; privilege: string; level: string | undefined };

/** One `prv<Access><SchemaName>` of the manifest in the admin center's words; unknown names stay as they are. */
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
        privilege: ACCESS_WORDS[access],
        level: ACCESS_LEVEL_WORDS[table.depth],
      };
    }
  }
  return { name, table: name, privilege: '', level: undefined };
}

/** Dataverse's built-in role that holds every privilege of the environment. */
export function isSystemAdministrator(roleName: string): boolean {
  return roleName.trim().toLowerCase() === 'system administrator';
}

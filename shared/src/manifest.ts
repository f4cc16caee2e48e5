import { z } from 'zod';
import { ROLE_NAME } from './naming.ts';

/**
 * Kantiv's table manifest: exactly which Dataverse tables Kantiv touches and how. The provisioning engine turns it
 * into a least-privilege security role (`prv<Access><Table>` privileges via AddPrivilegesRole) and the server's
 * verification probes each table with one read.
 */
export const TableAccessSchema = z.enum([
  'Create',
  'Read',
  'Write',
  'Delete',
  'Append',
  'AppendTo',
  'Assign',
  'Share',
]);
export type TableAccess = z.infer<typeof TableAccessSchema>;

/** Dataverse PrivilegeDepth: user, business unit, parent-child business units, organization. */
export const PrivilegeDepthSchema = z.enum(['Basic', 'Local', 'Deep', 'Global']);
export type PrivilegeDepth = z.infer<typeof PrivilegeDepthSchema>;

export const TablePermissionSchema = z.object({
  /** Logical name, e.g. `account`. */
  table: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a Dataverse logical name (lowercase letters, digits, _)'),
  /** Entity set name used by the Web API, e.g. `accounts`. */
  entitySet: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a Dataverse entity set name'),
  /** Schema name used in privilege names (`prvReadAccount`), e.g. `Account`. */
  schemaName: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be a Dataverse schema name'),
  displayName: z.string().min(1).max(100),
  access: z.array(TableAccessSchema).min(1).max(8),
  depth: PrivilegeDepthSchema,
});
export type TablePermission = z.infer<typeof TablePermissionSchema>;

export const ManifestSchema = z.object({
  /** Name of the least-privilege security role the engine creates. */
  roleName: z.string().min(1).max(100),
  tables: z
    .array(TablePermissionSchema)
    .min(1)
    .max(200)
    .refine(
      (tables) => new Set(tables.map((t) => t.table)).size === tables.length,
      'each table appears once',
    ),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** Privilege name in Dataverse for one access right on one table, e.g. `prvReadAccount`. */
export function privilegeName(access: TableAccess, schemaName: string): string {
  return `prv${access}${schemaName}`;
}

/** What Kantiv needs by default: read and write of the sales core, read of users. */
export const DEFAULT_MANIFEST: Manifest = {
  roleName: ROLE_NAME,
  tables: [
    {
      table: 'account',
      entitySet: 'accounts',
      schemaName: 'Account',
      displayName: 'Accounts',
      access: ['Create', 'Read', 'Write', 'Append', 'AppendTo'],
      depth: 'Global',
    },
    {
      table: 'contact',
      entitySet: 'contacts',
      schemaName: 'Contact',
      displayName: 'Contacts',
      access: ['Create', 'Read', 'Write', 'Append', 'AppendTo'],
      depth: 'Global',
    },
    {
      table: 'opportunity',
      entitySet: 'opportunities',
      schemaName: 'Opportunity',
      displayName: 'Opportunities',
      access: ['Read', 'Write', 'Append', 'AppendTo'],
      depth: 'Global',
    },
    {
      table: 'systemuser',
      entitySet: 'systemusers',
      // Dataverse names privileges by the privilege's own schema name: `systemuser` is guarded by `prvReadUser`.
      schemaName: 'User',
      displayName: 'Users',
      access: ['Read'],
      depth: 'Global',
    },
  ],
};

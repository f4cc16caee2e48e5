import type { Manifest, TablePermission } from '@kantiv/shared/manifest';

/** Read access to one Dataverse table, organisation-wide: what the integration suites' manifests are made of. */
const readTable = (
  table: string,
  entitySet: string,
  schemaName: string,
  displayName: string,
): TablePermission => ({
  table,
  entitySet,
  schemaName,
  displayName,
  access: ['Read'],
  depth: 'Global',
});

export const ACCOUNTS = readTable('account', 'accounts', 'Account', 'Accounts');
export const CONTACTS = readTable('contact', 'contacts', 'Contact', 'Contacts');

/** A small manifest keeps every verification to a few Dataverse reads. */
export const manifestOf = (...tables: TablePermission[]): Manifest => ({
  roleName: 'Kantiv Integration',
  tables,
});

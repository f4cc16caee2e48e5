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
/** A table no emulated environment has: Dataverse answers its read 404 (not the privilege error 0x80040220). */
export const UNKNOWN_TABLE = readTable('kantiv_invoice', 'kantiv_invoices', 'kantiv_Invoice', 'Invoices');

/** The manifest with a table the environment does not have. */
export const withUnknownTable = (m: Manifest): Manifest => ({ ...m, tables: [...m.tables, UNKNOWN_TABLE] });

/** A small manifest keeps every verification to a few Dataverse reads. */
export const manifestOf = (...tables: TablePermission[]): Manifest => ({
  roleName: 'Kantiv Integration',
  tables,
});

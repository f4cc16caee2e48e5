/**
 * The Dataverse tables the emulator knows. Privilege names follow Dataverse, which uses the *privilege* schema
 * name — e.g. `systemuser` is guarded by `prvReadUser`, not `prvReadSystemUser`.
 */
export interface TableInfo {
  logicalName: string;
  entitySet: string;
  privilegeName: string;
  objectTypeCode: number;
  primaryId: string;
  primaryName: string;
  /** Organization-owned tables have only Global-depth reads. */
  userOwned: boolean;
}

export const TABLES: TableInfo[] = [
  {
    logicalName: 'account',
    entitySet: 'accounts',
    privilegeName: 'Account',
    objectTypeCode: 1,
    primaryId: 'accountid',
    primaryName: 'name',
    userOwned: true,
  },
  {
    logicalName: 'contact',
    entitySet: 'contacts',
    privilegeName: 'Contact',
    objectTypeCode: 2,
    primaryId: 'contactid',
    primaryName: 'fullname',
    userOwned: true,
  },
  {
    logicalName: 'opportunity',
    entitySet: 'opportunities',
    privilegeName: 'Opportunity',
    objectTypeCode: 3,
    primaryId: 'opportunityid',
    primaryName: 'name',
    userOwned: true,
  },
  {
    logicalName: 'lead',
    entitySet: 'leads',
    privilegeName: 'Lead',
    objectTypeCode: 4,
    primaryId: 'leadid',
    primaryName: 'fullname',
    userOwned: true,
  },
  {
    logicalName: 'incident',
    entitySet: 'incidents',
    privilegeName: 'Case',
    objectTypeCode: 112,
    primaryId: 'incidentid',
    primaryName: 'title',
    userOwned: true,
  },
  {
    logicalName: 'task',
    entitySet: 'tasks',
    privilegeName: 'Activity',
    objectTypeCode: 4212,
    primaryId: 'activityid',
    primaryName: 'subject',
    userOwned: true,
  },
  {
    logicalName: 'product',
    entitySet: 'products',
    privilegeName: 'Product',
    objectTypeCode: 1024,
    primaryId: 'productid',
    primaryName: 'name',
    userOwned: false,
  },
  {
    logicalName: 'systemuser',
    entitySet: 'systemusers',
    privilegeName: 'User',
    objectTypeCode: 8,
    primaryId: 'systemuserid',
    primaryName: 'fullname',
    userOwned: false,
  },
  {
    logicalName: 'businessunit',
    entitySet: 'businessunits',
    privilegeName: 'BusinessUnit',
    objectTypeCode: 10,
    primaryId: 'businessunitid',
    primaryName: 'name',
    userOwned: false,
  },
  {
    logicalName: 'role',
    entitySet: 'roles',
    privilegeName: 'Role',
    objectTypeCode: 1036,
    primaryId: 'roleid',
    primaryName: 'name',
    userOwned: false,
  },
];

/** AccessRights flags used by the `privileges` table. */
export const ACCESS_RIGHTS = {
  Read: 1,
  Write: 2,
  Append: 4,
  AppendTo: 16,
  Create: 32,
  Delete: 65536,
  Share: 262144,
  Assign: 524288,
} as const;
export type AccessRight = keyof typeof ACCESS_RIGHTS;

export function tableBySet(entitySet: string): TableInfo | undefined {
  return TABLES.find((t) => t.entitySet === entitySet);
}

export function tableByLogicalName(logicalName: string): TableInfo | undefined {
  return TABLES.find((t) => t.logicalName === logicalName);
}

import type { BusinessUnit, Environment, Privilege, SecurityRole, SystemUser, TableRow } from '../state.ts';

export function etag(value: string): string {
  let h = 0;
  for (const c of value) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `W/"${h % 10_000_000}"`;
}

export function systemUserJson(s: SystemUser): TableRow {
  return {
    '@odata.etag': etag(JSON.stringify(s)),
    systemuserid: s.systemuserid,
    fullname: s.fullname,
    domainname: s.domainname,
    applicationid: s.applicationid,
    azureactivedirectoryobjectid: s.azureactivedirectoryobjectid,
    internalemailaddress: s.internalemailaddress,
    isdisabled: s.isdisabled,
    accessmode: s.accessmode,
    _businessunitid_value: s.businessunitid,
    createdon: s.createdon,
  };
}

export function roleJson(env: Environment, r: SecurityRole): TableRow {
  const root = env.roles.find(
    (x) =>
      x.name === r.name &&
      env.businessUnits.find((b) => b.businessunitid === x.businessunitid)?.parentbusinessunitid === null,
  );
  return {
    '@odata.etag': etag(`${r.roleid}:${Object.keys(r.privileges).length}`),
    roleid: r.roleid,
    name: r.name,
    _businessunitid_value: r.businessunitid,
    _parentrootroleid_value: root?.roleid ?? r.roleid,
    _roletemplateid_value: r.roletemplateid ?? null,
    ismanaged: r.ismanaged,
    createdon: r.createdon,
  };
}

export function businessUnitJson(b: BusinessUnit): TableRow {
  return {
    '@odata.etag': etag(b.businessunitid),
    businessunitid: b.businessunitid,
    name: b.name,
    _parentbusinessunitid_value: b.parentbusinessunitid,
    isdisabled: false,
  };
}

export function privilegeJson(p: Privilege): TableRow {
  return {
    '@odata.etag': etag(p.privilegeid),
    privilegeid: p.privilegeid,
    name: p.name,
    accessright: p.accessright,
    canbebasic: true,
    canbelocal: true,
    canbedeep: true,
    canbeglobal: true,
  };
}

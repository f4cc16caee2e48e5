import { randomUUID } from 'node:crypto';
import type { Runtime } from './core.ts';
import { softDeleteApplication, softDeleteServicePrincipal } from './graph/deleted-items.ts';
import type { Environment } from './state.ts';

/**
 * What a customer's admin can change after a connection was verified (issue 18): each makes the connection drift,
 * and Entra or Dataverse then answers as they do for real (FIDELITY.md, rows H18-…).
 */
export type Drift =
  | { kind: 'delete-app-user'; environmentUrl: string; appId: string }
  | { kind: 'disable-app-user'; environmentUrl: string; appId: string }
  | { kind: 'remove-role'; environmentUrl: string; appId: string; roleName: string }
  | { kind: 'remove-privilege'; environmentUrl: string; roleName: string; privilege: string }
  | { kind: 'delete-app'; appId: string }
  | { kind: 'delete-service-principal'; appId: string }
  | { kind: 'disable-app'; appId: string }
  | { kind: 'enable-app'; appId: string }
  | { kind: 'remove-credential'; appId: string; keyId?: string }
  | { kind: 'expire-credential'; appId: string }
  | { kind: 'disable-environment'; environmentUrl: string }
  | { kind: 'enable-environment'; environmentUrl: string }
  | { kind: 'delete-environment'; environmentUrl: string }
  | { kind: 'copy-environment'; sourceUrl: string; targetUrl: string };

export const DRIFT_KINDS: Drift['kind'][] = [
  'delete-app-user',
  'disable-app-user',
  'remove-role',
  'remove-privilege',
  'delete-app',
  'delete-service-principal',
  'disable-app',
  'enable-app',
  'remove-credential',
  'expire-credential',
  'disable-environment',
  'enable-environment',
  'delete-environment',
  'copy-environment',
];

function env(rt: Runtime, url: string): Environment {
  const found = rt.environmentByHost(new URL(url).host);
  if (!found) throw new Error(`Unknown environment ${url}`);
  return found;
}

function appUser(e: Environment, appId: string) {
  const su = e.systemUsers.find((s) => s.applicationid === appId);
  if (!su) throw new Error(`No application user for app ${appId} in ${e.url}`);
  return su;
}

function application(rt: Runtime, appId: string) {
  const app = rt.applicationByAppId(appId);
  if (!app) throw new Error(`Unknown application ${appId}`);
  return app;
}

/** Applies one admin-side change to the emulator's world. */
export function applyDrift(rt: Runtime, d: Drift): void {
  switch (d.kind) {
    case 'delete-app-user': {
      const e = env(rt, d.environmentUrl);
      const su = appUser(e, d.appId);
      e.systemUsers = e.systemUsers.filter((s) => s !== su);
      return;
    }
    case 'disable-app-user':
      appUser(env(rt, d.environmentUrl), d.appId).isdisabled = true;
      return;
    case 'remove-role': {
      const e = env(rt, d.environmentUrl);
      const su = appUser(e, d.appId);
      const ids = new Set(e.roles.filter((r) => r.name === d.roleName).map((r) => r.roleid));
      if (!su.roleIds.some((id) => ids.has(id))) throw new Error(`The user does not hold ${d.roleName}`);
      su.roleIds = su.roleIds.filter((id) => !ids.has(id));
      return;
    }
    case 'remove-privilege': {
      const e = env(rt, d.environmentUrl);
      const priv = rt.world.privileges.find((p) => p.name === d.privilege);
      if (!priv) throw new Error(`Unknown privilege ${d.privilege}`);
      const roles = e.roles.filter((r) => r.name === d.roleName && !r.allPrivileges);
      if (roles.length === 0) throw new Error(`No custom role ${d.roleName}`);
      for (const r of roles) delete r.privileges[priv.privilegeid];
      return;
    }
    case 'delete-app':
      softDeleteApplication(rt, application(rt, d.appId));
      return;
    case 'delete-service-principal': {
      // Enterprise applications → the app → Delete: the app registration stays, its service principal in the
      // app's tenant moves to deleted items for 30 days (FIDELITY H18-10); the token endpoint then answers
      // AADSTS7000229 (E25), and a new service principal cannot take its name until it is restored or purged (S5).
      const app = application(rt, d.appId);
      const sp = rt.servicePrincipal(app.tenantId, d.appId);
      if (!sp) throw new Error(`App ${d.appId} has no service principal`);
      softDeleteServicePrincipal(rt, sp);
      return;
    }
    case 'disable-app':
    case 'enable-app': {
      // Enterprise applications → the app → Properties → "Enabled for users to sign-in?" is the service
      // principal's accountEnabled (FIDELITY H18-11); disabled, the token endpoint answers AADSTS7000112.
      const app = application(rt, d.appId);
      const sp = rt.servicePrincipal(app.tenantId, d.appId);
      if (!sp) throw new Error(`App ${d.appId} has no service principal`);
      sp.accountEnabled = d.kind === 'enable-app';
      return;
    }
    case 'remove-credential': {
      const app = application(rt, d.appId);
      app.passwordCredentials = app.passwordCredentials.filter((p) => d.keyId && p.keyId !== d.keyId);
      app.keyCredentials = app.keyCredentials.filter((k) => d.keyId && k.keyId !== d.keyId);
      return;
    }
    case 'expire-credential': {
      // Time passing, not an admin's change: every credential of the app reaches its end date now (FIDELITY R18-1).
      // The rest of the world keeps its clock, unlike advanceClock, so a new credential made afterwards is valid.
      const app = application(rt, d.appId);
      const end = new Date(rt.now() - 1000).toISOString();
      for (const p of app.passwordCredentials) p.endDateTime = end;
      for (const k of app.keyCredentials) k.endDateTime = end;
      return;
    }
    case 'disable-environment':
      // Dataverse answers 503 (FIDELITY H18-7); Global Discovery lists it with State 1, Disabled (D10).
      env(rt, d.environmentUrl).disabled = true;
      return;
    case 'enable-environment':
      // The admin enables the environment again (or takes it out of administration mode): the inverse.
      env(rt, d.environmentUrl).disabled = false;
      return;
    case 'delete-environment': {
      const e = env(rt, d.environmentUrl);
      rt.world.environments = rt.world.environments.filter((x) => x !== e);
      return;
    }
    case 'copy-environment': {
      // A copy overwrites the target with the source's data and users; the target keeps its URL, and gets a new
      // organization (another OrganizationId).
      const source = env(rt, d.sourceUrl);
      const target = env(rt, d.targetUrl);
      const copy = structuredClone({
        businessUnits: source.businessUnits,
        roles: source.roles,
        systemUsers: source.systemUsers,
        tables: source.tables,
        teams: source.teams,
      });
      Object.assign(target, copy, { id: randomUUID() });
      return;
    }
  }
}

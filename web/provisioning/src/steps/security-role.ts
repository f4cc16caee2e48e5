import { engineText } from '@kantiv/shared/engine-texts';
import type { ResolvedConfig } from '../config.ts';
import { MICROSOFT_DEFAULT_ROLE_PRIVILEGES, manifestPrivileges } from '../privileges.ts';
import { assertNotBlocked, blocked, type StepDefinition } from './definition.ts';

/** Said wherever we speak of our role's privileges, so "least privilege" means what Dataverse allows it to mean. */
const DEFAULTS_NOTE = `Dataverse also gives every new role ${MICROSOFT_DEFAULT_ROLE_PRIVILEGES.length} default privileges of its own (reading SDK messages, plug-in steps and types, SharePoint data); they stay, so least privilege here is Kantiv's list plus Microsoft's defaults.`;

function describeTables(c: ResolvedConfig): string[] {
  return c.manifest.tables.map(
    (t) => `${t.displayName}: ${t.access.join(', ')} (${t.depth === 'Global' ? 'organization' : t.depth})`,
  );
}

export const securityRole: StepDefinition = {
  id: 'security_role',
  dependsOn: ['environment'],
  discover: (s) => Promise.all([s.role(), s.rolePrivilegeGap(), s.rootRoles()]),
  plan(d, c) {
    const dv = d.dataverse;
    if (c.role.mode === 'existing') {
      if (dv && !dv.role) {
        return blocked('security_role', 'The chosen security role does not exist.', {
          code: 'role_not_found',
          text: engineText('role_not_found', { roleId: c.role.roleId }),
          message: `No security role with id ${c.role.roleId} in the root business unit of the environment.`,
          fix: 'Pick another role, or let Kantiv Connect create its least-privilege role.',
        });
      }
      const missing = dv?.missingPrivileges ?? [];
      return {
        step: 'security_role',
        action: 'reuse',
        summary: `Use the existing role "${dv?.role?.name ?? c.role.roleId}".`,
        details: missing.length
          ? [
              `It lacks ${missing.length} privilege(s) Kantiv needs: ${missing.join(', ')}. Kantiv will not be able to use those tables until they are added.`,
            ]
          : ['It grants every privilege Kantiv needs.'],
      };
    }
    if (dv && dv.unknownPrivileges.length) {
      return blocked('security_role', 'Some tables Kantiv needs do not exist in this environment.', {
        code: 'privileges_not_found',
        text: engineText('privileges_not_found', { privileges: dv.unknownPrivileges.join(', ') }),
        message: `The environment has no privilege ${dv.unknownPrivileges.join(', ')}.`,
        fix: 'Pick an environment with Dynamics 365 Sales (accounts, contacts, opportunities), or contact Kantiv support.',
      });
    }
    if (dv?.role) {
      const missing = dv.missingPrivileges;
      return {
        step: 'security_role',
        action: missing.length || dv.extraPrivileges.length ? 'update' : 'none',
        summary:
          missing.length || dv.extraPrivileges.length
            ? `Bring the existing role "${dv.role.name}" back to the privileges Kantiv needs plus Microsoft's defaults.`
            : `The role "${dv.role.name}" already holds the privileges Kantiv needs (plus Microsoft's defaults).`,
        details: [
          ...(missing.length ? [`Adds: ${missing.join(', ')}.`] : []),
          ...(dv.extraPrivileges.length
            ? [
                `Removes ${dv.extraPrivileges.length} privilege(s) beyond Kantiv's list that were added by hand: ${dv.extraPrivileges.join(', ')}.`,
              ]
            : []),
          DEFAULTS_NOTE,
        ],
      };
    }
    return {
      step: 'security_role',
      action: 'create',
      summary: `Create the security role "${c.manifest.roleName}" in the root business unit with only the table privileges Kantiv needs.`,
      details: [...describeTables(c), DEFAULTS_NOTE],
    };
  },
  async apply(ctx) {
    const { config: c, discovery: d } = ctx;
    const plan = securityRole.plan(d, c, ctx.now());
    assertNotBlocked(plan);
    const env = d.environment;
    const dvInfo = d.dataverse;
    if (!env || !dvInfo) throw new Error('security_role needs the environment');
    const dv = ctx.clients.dataverse('security_role', env);
    const root = dvInfo.rootBusinessUnitId;

    if (c.role.mode === 'existing') {
      const role = dvInfo.role;
      if (!role) throw new Error('existing role vanished');
      ctx.outputs.roleId = role.roleId;
      ctx.outputs.roleName = role.name;
      ctx.outputs.missingPrivileges = dvInfo.missingPrivileges;
      return {
        status: 'succeeded',
        message: dvInfo.missingPrivileges.length
          ? `Using the role "${role.name}"; it lacks ${dvInfo.missingPrivileges.length} privilege(s) Kantiv needs.`
          : `Using the role "${role.name}"; it grants what Kantiv needs.`,
        data: {
          roleId: role.roleId,
          roleName: role.name.slice(0, 200),
          businessUnitId: root,
          missingPrivileges: dvInfo.missingPrivileges,
          created: false,
        },
      };
    }

    // Look again: another run may have created the role since discovery (find before create).
    let role = dvInfo.role ? { roleid: dvInfo.role.roleId, name: dvInfo.role.name } : null;
    let created = false;
    if (!role) {
      const again = await dv.rolesByName(c.manifest.roleName, root);
      role = again[0] ?? null;
    }
    if (!role) {
      role = await dv.createRole(c.manifest.roleName, root);
      created = true;
    }
    const wanted = manifestPrivileges(c.manifest);
    const ids = new Map(
      (
        await dv.privilegesByName([
          ...new Set([...wanted.map((w) => w.name), ...MICROSOFT_DEFAULT_ROLE_PRIVILEGES]),
        ])
      ).map((p) => [p.name, p.privilegeid]),
    );
    const held = created ? [] : await dv.rolePrivileges(role.roleid);
    const heldById = new Map(held.map((h) => [h.PrivilegeId.toLowerCase(), h.Depth]));
    const all = wanted.flatMap((w) => {
      const id = ids.get(w.name);
      return id ? [{ privilegeId: id, depth: w.depth, businessUnitId: root }] : [];
    });
    const toAdd = all.filter((p) => heldById.get(p.privilegeId.toLowerCase()) !== p.depth);
    const defaultIds = new Set(
      MICROSOFT_DEFAULT_ROLE_PRIVILEGES.flatMap((n) => ids.get(n)?.toLowerCase() ?? []),
    );
    const wantedIds = new Set(all.map((p) => p.privilegeId.toLowerCase()));
    const extras = held.filter(
      (h) => !wantedIds.has(h.PrivilegeId.toLowerCase()) && !defaultIds.has(h.PrivilegeId.toLowerCase()),
    );
    // Our role holds the manifest plus Microsoft's defaults: privileges someone added by hand are taken away again.
    if (extras.length) await dv.addPrivilegesToRole(role.roleid, all, { replace: true });
    else if (toAdd.length) await dv.addPrivilegesToRole(role.roleid, toAdd);
    ctx.outputs.roleId = role.roleid;
    ctx.outputs.roleName = role.name;
    ctx.outputs.missingPrivileges = [];
    return {
      status: 'succeeded',
      message: created
        ? `Created the security role "${role.name}" with the ${toAdd.length} privileges Kantiv needs, plus the default privileges Dataverse gives every new role.`
        : extras.length
          ? `Reset the role "${role.name}" to the ${all.length} privileges Kantiv needs plus Microsoft's defaults (removed ${extras.length} added by hand).`
          : toAdd.length
            ? `Added ${toAdd.length} privilege(s) to the role "${role.name}".`
            : `The role "${role.name}" already held the privileges Kantiv needs (plus Microsoft's defaults).`,
      data: { roleId: role.roleid, roleName: role.name.slice(0, 200), businessUnitId: root, created },
    };
  },
};

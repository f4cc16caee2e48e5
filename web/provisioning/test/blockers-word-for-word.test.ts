import { describe, expect, it } from 'vitest';
import type { Emulator } from '@kantiv/emulator';
import { DEFAULT_MANIFEST } from '@kantiv/shared/manifest';
import { tokenScope, type TokenProvider } from '@kantiv/provisioning';
import { ADMIN, CONTOSO_PRODUCTION, consentTenantWide, fixed, run, useEmulator } from './harness.ts';

/**
 * What `plan()` says when it stops the admin, word for word: each blocker's code, wizard text, message and fix, and
 * the plan step around it, for the tenant situations Microsoft presents (a token without the consent, no Entra role,
 * Global Discovery down or empty, another tenant's environment, a role id that does not exist, a table the
 * environment lacks). The wizard shows these strings; a blank or a wrong branch is what the admin would read.
 */
let emu: Emulator;
useEmulator((started) => (emu = started));

const ELSEWHERE = 'https://fabrikam-shared.crm.dynamics.com';
const SANDBOX = 'https://contoso-sandbox.crm.dynamics.com';
const NOT_A_ROLE = '0b8f3c1e-6d7a-4c2b-9e5f-1a2b3c4d5e6f';
const NONE_LISTED_FIX =
  'Type the address of your environment (for example https://contoso.crm.dynamics.com), or ask a Power Platform administrator to add you as a user of it.';

/** Real tokens the emulator signs for `user`, with `graphScopes` in place of what the wizard asks Graph for. */
function signed(user: string, graphScopes: string[]): TokenProvider {
  return {
    getToken: (resource) =>
      emu.control.issueToken({
        user,
        scope:
          resource === 'graph'
            ? graphScopes.map((s) => `https://graph.microsoft.com/${s}`).join(' ')
            : tokenScope(resource),
      }),
  };
}

/** Global Discovery answers 503 to every call (the engine's retries give up): it cannot list environments. */
function discoveryDown() {
  emu.control.setScenario({ name: 'service-unavailable', service: 'discovery', retryAfterSeconds: 0 });
}

describe('engine › the plan’s blockers word for word', { timeout: 180_000 }, () => {
  it('a token without Application.ReadWrite.All (only read access consented): consent is missing', async () => {
    const r = run(emu, {
      tokens: signed(ADMIN, ['User.Read', 'Application.Read.All']),
      clock: fixed(Date.now()),
    });
    const plan = await r.engine.plan();
    const blocker = {
      code: 'consent_missing',
      text: { key: 'consent_missing', params: { who: ADMIN } },
      message:
        'The sign-in token of admin@contoso.com does not carry the permission Application.ReadWrite.All, so Kantiv Connect cannot create the app registration.',
      fix: 'A Global Administrator, Privileged Role Administrator, Cloud Application Administrator or Application Administrator of your tenant must grant admin consent to Kantiv Connect: sign in again and tick "Consent on behalf of your organization", or use the admin consent link on the welcome page.',
    };
    expect(plan.blockers).toEqual([{ ...blocker, step: 'preflight' }]);
    expect(plan.steps.find((s) => s.step === 'preflight')).toEqual({
      step: 'preflight',
      action: 'blocked',
      summary: 'Kantiv Connect has no admin consent in your tenant yet.',
      details: [],
      blocker,
    });
    expect(plan.ready).toBe(false);
  });

  it('a user without any Entra role: says they have none and which role creating the app needs', async () => {
    consentTenantWide(emu);
    const plan = await run(emu, { user: 'user@contoso.com', clock: fixed(Date.now()) }).engine.plan();
    expect(plan.steps.find((s) => s.step === 'preflight')).toEqual({
      step: 'preflight',
      action: 'blocked',
      summary: 'user@contoso.com cannot create app registrations.',
      details: [],
      blocker: {
        code: 'missing_directory_role',
        text: { key: 'missing_directory_role', params: { who: 'user@contoso.com', roles: '' } },
        message:
          'user@contoso.com has no Entra administrator role; creating the app registration and its service principal needs Cloud Application Administrator, Application Administrator or Global Administrator.',
        fix: 'If the role is eligible for you in Privileged Identity Management, activate it (Entra admin center → Privileged Identity Management → My roles), then press "Check again": Microsoft counts an activated role only for a new sign-in, so the wizard signs you in again. Otherwise ask a Global Administrator or Privileged Role Administrator to assign you the Entra role Cloud Application Administrator (Entra admin center → Roles and administrators), or forward the invite link to a colleague who has it.',
      },
    });
  });

  it('roles Graph shows only with limited information: the preflight passes and says Microsoft checks the role later', async () => {
    consentTenantWide(emu);
    emu.control.setScenario({ name: 'access-token-without-wids' });
    emu.control.setScenario({ name: 'directory-roles-through-group', user: ADMIN });
    const plan = await run(emu, { clock: fixed(Date.now()) }).engine.plan();
    expect(plan.discovery.canManageApplications).toBeNull();
    expect(plan.steps.find((s) => s.step === 'preflight')).toEqual({
      step: 'preflight',
      action: 'check',
      summary: `Signed in as admin@contoso.com in tenant ${emu.tenants.contoso}.`,
      details: [
        'Entra role: Microsoft Graph does not show it to Kantiv Connect (limited information under User.Read); Microsoft checks it when the app registration is created, and a missing role stops the run there.',
        'Dynamics CRM is present in the tenant.',
        'System Administrator in Contoso Production.',
      ],
    });
  });

  it('Global Discovery lists no environment for the account: asks for the address', async () => {
    // A partner consultant's home account: a user of no environment in its own tenant.
    const r = run(emu, {
      tokens: signed('consultant@fabrikam.com', ['Application.ReadWrite.All']),
      config: { environmentUrl: undefined },
      clock: fixed(Date.now()),
    });
    const plan = await r.engine.plan();
    expect(plan.discovery.environments).toEqual([]);
    expect(plan.discovery.environmentsError).toBeNull();
    expect(plan.steps.find((s) => s.step === 'environment')).toEqual({
      step: 'environment',
      action: 'blocked',
      summary: 'Choose the Dynamics 365 environment to connect.',
      details: [],
      blocker: {
        code: 'environment_not_chosen',
        text: { key: 'environment_none_listed' },
        message: 'Global Discovery lists no environment for your account.',
        fix: NONE_LISTED_FIX,
      },
    });
    // The steps after it are planned without an environment's name.
    expect(plan.steps.find((s) => s.step === 'application_user')?.summary).toBe(
      'Create the application user for the app in the environment (root business unit) and give it the role "Kantiv Integration".',
    );
  });

  it('Global Discovery cannot list the environments (503): says so, with Microsoft’s words, and asks for the address', async () => {
    discoveryDown();
    const plan = await run(emu, {
      config: { environmentUrl: undefined },
      clock: fixed(Date.now()),
    }).engine.plan();
    expect(plan.blockers).toEqual([
      {
        step: 'environment',
        code: 'environment_not_chosen',
        text: { key: 'environment_none_listed' },
        message:
          'Global Discovery could not list your environments (The service is temporarily unavailable. Please try again later.).',
        fix: NONE_LISTED_FIX,
      },
    ]);
  });

  it('an address typed while Global Discovery is down: planned as entered by hand', async () => {
    discoveryDown();
    const plan = await run(emu, { clock: fixed(Date.now()) }).engine.plan();
    expect(plan.steps.find((s) => s.step === 'environment')).toEqual({
      step: 'environment',
      action: 'check',
      summary: 'Connect the environment contoso.crm.dynamics.com (https://contoso.crm.dynamics.com).',
      details: ['Entered by hand: not listed by Global Discovery for your account.'],
    });
    // Listed by Global Discovery, the same environment has its name and no such note.
    emu.control.clearScenarios();
    const listed = await run(emu, { clock: fixed(Date.now()) }).engine.plan();
    expect(listed.steps.find((s) => s.step === 'environment')).toEqual({
      step: 'environment',
      action: 'check',
      summary: `Connect the environment Contoso Production (${CONTOSO_PRODUCTION}).`,
      details: [],
    });
  });

  it('an environment of another tenant: names both tenants', async () => {
    emu.control.setScenario({ name: 'environment-in-other-tenant' });
    const plan = await run(emu, {
      config: { environmentUrl: ELSEWHERE },
      clock: fixed(Date.now()),
    }).engine.plan();
    const contoso = emu.tenants.contoso;
    const fabrikam = emu.tenants.fabrikam;
    expect(plan.steps.find((s) => s.step === 'environment')).toEqual({
      step: 'environment',
      action: 'blocked',
      summary: 'Fabrikam Shared Services belongs to another organization.',
      details: [],
      blocker: {
        code: 'environment_other_tenant',
        text: {
          key: 'environment_other_tenant',
          params: {
            environment: 'Fabrikam Shared Services',
            url: ELSEWHERE,
            environmentTenant: fabrikam,
            tenant: contoso,
          },
        },
        message: `The environment Fabrikam Shared Services (${ELSEWHERE}) belongs to the Entra tenant ${fabrikam}, not to ${contoso} where you signed in. An app registration can only be used by environments of its own tenant.`,
        fix: 'Pick an environment of your own organization, or sign in with an account of the tenant that owns this environment.',
      },
    });
  });

  it('a disabled environment Global Discovery lists: environment_disabled', async () => {
    emu.control.drift({ kind: 'disable-environment', environmentUrl: CONTOSO_PRODUCTION });
    const plan = await run(emu, { clock: fixed(Date.now()) }).engine.plan();
    expect(plan.blockers.map((b) => b.code)).toEqual(['environment_disabled']);
    expect(plan.steps.find((s) => s.step === 'environment')).toEqual({
      step: 'environment',
      action: 'blocked',
      summary: 'Contoso Production is disabled.',
      details: [],
      blocker: {
        code: 'environment_disabled',
        text: { key: 'environment_disabled', params: { environment: 'Contoso Production' } },
        message: 'The environment Contoso Production is disabled.',
        fix: 'Ask a Power Platform administrator to enable the environment, or pick another one.',
      },
    });
  });

  it('an existing role id that does not exist in the environment: role_not_found', async () => {
    const plan = await run(emu, {
      config: { role: { mode: 'existing', roleId: NOT_A_ROLE } },
      clock: fixed(Date.now()),
    }).engine.plan();
    expect(plan.blockers.map((b) => b.step)).toEqual(['security_role']);
    expect(plan.steps.find((s) => s.step === 'security_role')).toEqual({
      step: 'security_role',
      action: 'blocked',
      summary: 'The chosen security role does not exist.',
      details: [],
      blocker: {
        code: 'role_not_found',
        text: { key: 'role_not_found', params: { roleId: NOT_A_ROLE } },
        message: `No security role with id ${NOT_A_ROLE} in the root business unit of the environment.`,
        fix: 'Pick another role, or let Kantiv Connect create its least-privilege role.',
      },
    });
  });

  it('an existing role before an environment is chosen: planned by its id, nothing known to lack', async () => {
    const plan = await run(emu, {
      config: { environmentUrl: undefined, role: { mode: 'existing', roleId: NOT_A_ROLE } },
      clock: fixed(Date.now()),
    }).engine.plan();
    expect(plan.discovery.dataverse).toBeNull();
    expect(plan.steps.find((s) => s.step === 'security_role')).toEqual({
      step: 'security_role',
      action: 'reuse',
      summary: `Use the existing role "${NOT_A_ROLE}".`,
      details: ['It grants every privilege Kantiv needs.'],
    });
  });

  it('an existing role that lacks privileges: names each one it lacks', async () => {
    const roles = (await run(emu).engine.discover()).dataverse!.roles;
    const basic = roles.find((x) => x.name === 'Basic User')!;
    const r = run(emu, {
      config: { role: { mode: 'existing', roleId: basic.roleId } },
      clock: fixed(Date.now()),
    });
    const missing = (await r.engine.checkRole(basic.roleId)).missingPrivileges;
    expect(missing).toContain('prvCreateAccount');
    const plan = await r.engine.plan();
    expect(plan.steps.find((s) => s.step === 'security_role')).toEqual({
      step: 'security_role',
      action: 'reuse',
      summary: 'Use the existing role "Basic User".',
      details: [
        `It lacks ${missing.length} privilege(s) Kantiv needs: ${missing.join(', ')}. Kantiv will not be able to use those tables until they are added.`,
      ],
    });
  });

  it('a manifest table the environment does not have: privileges_not_found names its privileges', async () => {
    const manifest = {
      ...DEFAULT_MANIFEST,
      tables: [
        ...DEFAULT_MANIFEST.tables,
        {
          table: 'new_project',
          entitySet: 'new_projects',
          schemaName: 'new_project',
          displayName: 'Projects',
          access: ['Read' as const, 'Write' as const],
          depth: 'Global' as const,
        },
      ],
    };
    const plan = await run(emu, { config: { manifest }, clock: fixed(Date.now()) }).engine.plan();
    expect(plan.blockers.map((b) => b.step)).toEqual(['security_role']);
    expect(plan.steps.find((s) => s.step === 'security_role')).toEqual({
      step: 'security_role',
      action: 'blocked',
      summary: 'Some tables Kantiv needs do not exist in this environment.',
      details: [],
      blocker: {
        code: 'privileges_not_found',
        text: {
          key: 'privileges_not_found',
          params: { privileges: 'prvReadnew_project, prvWritenew_project' },
        },
        message: 'The environment has no privilege prvReadnew_project, prvWritenew_project.',
        fix: 'Pick an environment with Dynamics 365 Sales (accounts, contacts, opportunities), or contact Kantiv support.',
      },
    });
  });

  it('no environment chosen: names only the environments the admin can pick (own tenant, enabled)', async () => {
    emu.control.setScenario({ name: 'environment-in-other-tenant' });
    emu.control.drift({ kind: 'disable-environment', environmentUrl: CONTOSO_PRODUCTION });
    const plan = await run(emu, { config: { environmentUrl: undefined } }).engine.plan();
    const notChosen = (names: string, count: number) => ({
      step: 'environment',
      code: 'environment_not_chosen',
      text: { key: 'environment_not_chosen', params: { environments: names } },
      message: `No environment chosen yet; ${count} available: ${names}.`,
      fix: 'Pick an environment from the list.',
    });
    // Fabrikam's environment (another tenant) and the disabled Contoso Production are listed but not offered.
    expect(plan.discovery.environments.map((e) => [e.name, e.sameTenant, e.enabled])).toEqual([
      ['Contoso Production', true, false],
      ['Contoso Sandbox', true, true],
      ['Fabrikam Shared Services', false, true],
    ]);
    expect(plan.blockers).toEqual([notChosen('Contoso Sandbox', 1)]);
    expect(plan.steps.find((s) => s.step === 'environment')).toMatchObject({
      action: 'blocked',
      summary: 'Choose the Dynamics 365 environment to connect.',
    });

    emu.control.drift({ kind: 'enable-environment', environmentUrl: CONTOSO_PRODUCTION });
    const again = await run(emu, { config: { environmentUrl: undefined } }).engine.plan();
    expect(again.blockers).toEqual([notChosen('Contoso Production, Contoso Sandbox', 2)]);
  });

  it('an admin who is not System Administrator in the environment: who, where, and what to ask for', async () => {
    emu.control.setScenario({ name: 'admin-not-system-administrator' });
    const plan = await run(emu).engine.plan();
    const blocker = plan.blockers.find((b) => b.code === 'not_system_administrator');
    expect(blocker).toEqual({
      step: 'preflight',
      code: 'not_system_administrator',
      text: {
        key: 'not_system_administrator',
        params: { who: ADMIN, environment: 'Contoso Production', url: CONTOSO_PRODUCTION },
      },
      message: `${ADMIN} does not hold the security role System Administrator in the environment Contoso Production (${CONTOSO_PRODUCTION}); creating the security role and the application user needs it.`,
      fix: 'Ask an administrator of Contoso Production to assign you the System Administrator role (Power Platform admin center → Environments → Contoso Production → Users), or forward the invite link to a colleague who has it.',
    });
    expect(plan.steps.find((s) => s.step === 'preflight')).toMatchObject({
      action: 'blocked',
      summary: `${ADMIN} is not System Administrator in Contoso Production.`,
    });
  });

  it('the preflight of an admin who may: the Entra role that lets them (not Application Developer), Dynamics CRM, System Administrator where', async () => {
    consentTenantWide(emu);
    emu.control.assignDirectoryRole(ADMIN, 'Application Developer');
    emu.control.assignDirectoryRole(ADMIN, 'Application Administrator');
    const plan = await run(emu, { clock: fixed(Date.now()) }).engine.plan();
    expect(plan.discovery.directoryRoles).toEqual([
      'Cloud Application Administrator',
      'Application Developer',
      'Application Administrator',
    ]);
    expect(plan.discovery.canManageApplications).toBe(true);
    expect(plan.steps.find((s) => s.step === 'preflight')).toEqual({
      step: 'preflight',
      action: 'check',
      summary: `Signed in as ${ADMIN} in tenant ${emu.tenants.contoso}.`,
      details: [
        'Entra role: Cloud Application Administrator, Application Administrator.',
        'Dynamics CRM is present in the tenant.',
        'System Administrator in Contoso Production.',
      ],
    });
  });

  it('an environment the admin is not a user of, typed by hand: Dataverse’s refusal, and what to ask for', async () => {
    // Alex Wilber is System Administrator in Contoso Production only; Contoso Sandbox has no user for him, so
    // Dataverse answers WhoAmI with 403 0x80072560 ("not a member of the organization").
    consentTenantWide(emu);
    const plan = await run(emu, {
      user: 'appadmin@contoso.com',
      config: { environmentUrl: SANDBOX },
      clock: fixed(Date.now()),
    }).engine.plan();
    expect(plan.discovery.environment).toMatchObject({ url: SANDBOX, discovered: false, sameTenant: true });
    expect(plan.discovery.dataverse).toBeNull();
    const blocker = {
      code: '0x80072560',
      message: 'The user is not a member of the organization.',
      fix: 'Your account cannot work in this environment. Check the address belongs to your organization, and ask an administrator of the environment to add you as a user with the System Administrator role.',
    };
    expect(plan.discovery.environmentError).toMatchObject(blocker);
    expect(plan.steps.find((s) => s.step === 'environment')).toMatchObject({
      step: 'environment',
      action: 'blocked',
      summary: 'Cannot work in contoso-sandbox.crm.dynamics.com.',
      details: [],
      blocker,
    });
    expect(plan.blockers.filter((b) => b.step === 'environment')).toEqual([
      expect.objectContaining({ ...blocker, step: 'environment' }),
    ]);
    // The preflight has no environment to speak of: the System Administrator line is left out.
    expect(plan.steps.find((s) => s.step === 'preflight')).toEqual({
      step: 'preflight',
      action: 'check',
      summary: `Signed in as appadmin@contoso.com in tenant ${emu.tenants.contoso}.`,
      details: ['Entra role: Application Administrator.', 'Dynamics CRM is present in the tenant.'],
    });
    expect(plan.ready).toBe(false);
  });
});

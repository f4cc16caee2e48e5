import { engineText } from '@kantiv/shared/engine-texts';
import { assertNotBlocked, blocked, type StepDefinition } from './definition.ts';

export const preflight: StepDefinition = {
  id: 'preflight',
  dependsOn: [],
  discover: (s) =>
    Promise.all([s.tenantId(), s.me(), s.directoryRoleCheck(), s.hasApplicationConsent(), s.dynamicsCrm()]),
  plan(d) {
    const who = d.user.userPrincipalName ?? 'your account';
    if (!d.hasApplicationConsent) {
      return blocked('preflight', 'Kantiv Connect has no admin consent in your tenant yet.', {
        code: 'consent_missing',
        text: engineText('consent_missing', { who }),
        message: `The sign-in token of ${who} does not carry the permission Application.ReadWrite.All, so Kantiv Connect cannot create the app registration.`,
        fix: 'A Global Administrator, Privileged Role Administrator, Cloud Application Administrator or Application Administrator of your tenant must grant admin consent to Kantiv Connect: sign in again and tick "Consent on behalf of your organization", or use the admin consent link on the welcome page.',
      });
    }
    if (d.canManageApplications === false) {
      return blocked('preflight', `${who} cannot create app registrations.`, {
        code: 'missing_directory_role',
        text: engineText('missing_directory_role', { who, roles: d.directoryRoles.join(', ') }),
        message: `${who} has ${
          d.directoryRoles.length
            ? `the Entra role(s) ${d.directoryRoles.join(', ')}`
            : 'no Entra administrator role'
        }; creating the app registration and its service principal needs Cloud Application Administrator, Application Administrator or Global Administrator.`,
        fix: 'If the role is eligible for you in Privileged Identity Management, activate it (Entra admin center → Privileged Identity Management → My roles), then press "Check again": Microsoft counts an activated role only for a new sign-in, so the wizard signs you in again. Otherwise ask a Global Administrator or Privileged Role Administrator to assign you the Entra role Cloud Application Administrator (Entra admin center → Roles and administrators), or forward the invite link to a colleague who has it.',
      });
    }
    if (!d.dynamicsCrm) {
      return blocked('preflight', 'Dynamics 365 / Dataverse is not set up in this tenant.', {
        code: 'dynamics_crm_not_found',
        text: engineText('dynamics_crm_not_found'),
        message:
          'The tenant has no service principal for Dynamics CRM (00000007-0000-0000-c000-000000000000): no Dynamics 365 or Power Platform environment has been used in it.',
        fix: 'Sign in with an account of the tenant that owns your Dynamics 365 environment. If this is the right tenant, a Power Platform administrator must first create a Dataverse environment in it.',
      });
    }
    if (!d.dynamicsCrm.userImpersonationScopeId) {
      return blocked(
        'preflight',
        'The Dynamics CRM permission user_impersonation is missing in this tenant.',
        {
          code: 'user_impersonation_not_found',
          text: engineText('user_impersonation_not_found'),
          message:
            'The Dynamics CRM service principal in this tenant exposes no enabled user_impersonation scope.',
          fix: 'Contact Kantiv support with your tenant id; this tenant’s Dynamics CRM registration is unusual.',
        },
      );
    }
    if (d.environment && d.dataverse && !d.dataverse.isSystemAdministrator) {
      return blocked('preflight', `${who} is not System Administrator in ${d.environment.name}.`, {
        code: 'not_system_administrator',
        text: engineText('not_system_administrator', {
          who,
          environment: d.environment.name,
          url: d.environment.url,
        }),
        message: `${who} does not hold the security role System Administrator in the environment ${d.environment.name} (${d.environment.url}); creating the security role and the application user needs it.`,
        fix: `Ask an administrator of ${d.environment.name} to assign you the System Administrator role (Power Platform admin center → Environments → ${d.environment.name} → Users), or forward the invite link to a colleague who has it.`,
      });
    }
    return {
      step: 'preflight',
      action: 'check',
      summary: `Signed in as ${who} in tenant ${d.tenantId}.`,
      details: [
        d.canManageApplications === null
          ? 'Entra role: Microsoft Graph does not show it to Kantiv Connect (limited information under User.Read); Microsoft checks it when the app registration is created, and a missing role stops the run there.'
          : `Entra role: ${d.directoryRoles.filter((r) => r !== 'Application Developer').join(', ')}.`,
        'Dynamics CRM is present in the tenant.',
        ...(d.environment && d.dataverse ? [`System Administrator in ${d.environment.name}.`] : []),
      ],
    };
  },
  async apply(ctx) {
    const plan = preflight.plan(ctx.discovery, ctx.config, ctx.now());
    assertNotBlocked(plan);
    ctx.outputs.tenantId = ctx.discovery.tenantId;
    return { status: 'succeeded', message: plan.summary, data: { tenantId: ctx.discovery.tenantId } };
  },
};

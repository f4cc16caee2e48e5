import { engineText } from '@kantiv/shared/engine-texts';
import { assertNotBlocked, blocked, type StepDefinition } from './definition.ts';

export const environment: StepDefinition = {
  id: 'environment',
  dependsOn: ['preflight'],
  discover: (s) => Promise.all([s.environments(), s.environment(), s.dataverseBasics()]),
  plan(d) {
    const env = d.environment;
    if (!env) {
      const usable = d.environments.filter((e) => e.sameTenant && e.enabled);
      return blocked('environment', 'Choose the Dynamics 365 environment to connect.', {
        code: 'environment_not_chosen',
        text: usable.length
          ? engineText('environment_not_chosen', { environments: usable.map((e) => e.name).join(', ') })
          : engineText('environment_none_listed'),
        message: usable.length
          ? `No environment chosen yet; ${usable.length} available: ${usable.map((e) => e.name).join(', ')}.`
          : d.environmentsError
            ? `Global Discovery could not list your environments (${d.environmentsError.message}).`
            : 'Global Discovery lists no environment for your account.',
        fix: usable.length
          ? 'Pick an environment from the list.'
          : 'Type the address of your environment (for example https://contoso.crm.dynamics.com), or ask a Power Platform administrator to add you as a user of it.',
      });
    }
    if (!env.sameTenant) {
      return blocked('environment', `${env.name} belongs to another organization.`, {
        code: 'environment_other_tenant',
        text: engineText('environment_other_tenant', {
          environment: env.name,
          url: env.url,
          environmentTenant: env.tenantId ?? '?',
          tenant: d.tenantId,
        }),
        message: `The environment ${env.name} (${env.url}) belongs to the Entra tenant ${env.tenantId ?? 'unknown'}, not to ${d.tenantId} where you signed in. An app registration can only be used by environments of its own tenant.`,
        fix: 'Pick an environment of your own organization, or sign in with an account of the tenant that owns this environment.',
      });
    }
    if (!env.enabled) {
      return blocked('environment', `${env.name} is disabled.`, {
        code: 'environment_disabled',
        text: engineText('environment_disabled', { environment: env.name }),
        message: `The environment ${env.name} is disabled.`,
        fix: 'Ask a Power Platform administrator to enable the environment, or pick another one.',
      });
    }
    if (d.environmentError) {
      return blocked('environment', `Cannot work in ${env.name}.`, d.environmentError);
    }
    return {
      step: 'environment',
      action: 'check',
      summary: `Connect the environment ${env.name} (${env.url}).`,
      details: env.discovered ? [] : ['Entered by hand: not listed by Global Discovery for your account.'],
    };
  },
  async apply(ctx) {
    const plan = environment.plan(ctx.discovery, ctx.config, ctx.now());
    assertNotBlocked(plan);
    const env = ctx.discovery.environment;
    const basics = ctx.discovery.dataverse;
    if (!env || !basics) throw new Error('environment discovery is incomplete');
    ctx.outputs.environmentUrl = env.url;
    ctx.outputs.environmentName = env.name;
    ctx.outputs.businessUnitId = basics.rootBusinessUnitId;
    return {
      status: 'succeeded',
      message: plan.summary,
      data: {
        environmentUrl: env.url,
        environmentName: env.name.slice(0, 200),
        businessUnitId: basics.rootBusinessUnitId,
      },
    };
  },
};

import type { ClientConfig } from '@kantiv/shared/client-config';
import type { WizardSetup } from '@kantiv/shared/setup';
import type { StepError } from '@kantiv/shared/steps';
import {
  createEngine,
  POPUP_BLOCKED_CODES,
  type Engine,
  type EngineConfig,
  type EnvironmentOption as EngineEnvironment,
  type Plan as EnginePlan,
  type SecretVault,
  type TokenResource,
} from '../../../provisioning/engine.ts';
import { handOffCredential } from '../api/hand-off-credential.ts';
import { GLOBAL_DISCOVERY_RESOURCE, SIGN_IN_SCOPES, currentAccount, getAccessToken } from './auth.ts';
import type {
  Blocker,
  Discovery,
  EnvironmentCheck,
  EnvironmentOption,
  Plan,
  PlanChoices,
  RunResult,
  WizardEngine,
} from './engine-types.ts';
import { APP_DISPLAY_NAME } from './naming.ts';

/**
 * Maps the provisioning engine (web/src/provisioning) onto the wizard's `WizardEngine`. Loaded on demand, with MSAL
 * as its token provider: access tokens go from MSAL to the engine's requests and nowhere else.
 */

/** One token per resource. Resource URIs are identifiers: the same against Microsoft and the emulator. */
function scopesFor(resource: TokenResource): string[] {
  if (resource === 'graph') return SIGN_IN_SCOPES;
  if (resource === 'discovery') return [`${GLOBAL_DISCOVERY_RESOURCE}/user_impersonation`];
  return [`${new URL(resource.environmentUrl).origin}/user_impersonation`];
}

function toBlocker(error: StepError): Blocker {
  return {
    code: error.code,
    message: error.message,
    fix: error.fix ?? 'Contact Kantiv support with this message.',
  };
}

function toOption(env: EngineEnvironment): EnvironmentOption {
  return {
    url: env.url,
    name: env.name,
    ...(env.organizationId ? { environmentId: env.organizationId } : {}),
    ...(env.tenantId ? { tenantId: env.tenantId } : {}),
    ...(env.isUserSysAdmin === null ? {} : { isUserSysAdmin: env.isUserSysAdmin }),
  };
}

/** Thrown by `apply()` when the engine stops on a step; the run page shows its message and fix. */
export class RunFailedError extends Error {
  constructor(readonly stepError: StepError) {
    super(stepError.message);
    this.name = 'RunFailedError';
  }
}

export async function createWizardEngine(config: ClientConfig, setup: WizardSetup): Promise<WizardEngine> {
  const account = await currentAccount();
  const baseConfig: EngineConfig = {
    endpoints: { graph: config.microsoft.graphBaseUrl, discovery: config.microsoft.discoveryBaseUrl },
    application: { displayName: APP_DISPLAY_NAME },
    manifest: setup.manifest,
    secretLifetimeMonths: setup.secretLifetimeMonths,
    ...(account ? { tenantId: account.tenantId } : {}),
  };
  const tokens = { getToken: (resource: TokenResource) => getAccessToken(scopesFor(resource)) };
  const fetchFn = (input: string, init: RequestInit) => fetch(input, init);
  const handoff = async (request: Parameters<typeof handOffCredential>[0]) => {
    await handOffCredential(request);
  };

  function engineFor(
    choices: PlanChoices | undefined,
    extra: Partial<Parameters<typeof createEngine>[0]> = {},
  ) {
    return createEngine({
      tokens,
      fetch: fetchFn,
      handoff,
      config: {
        ...baseConfig,
        ...(choices
          ? {
              environmentUrl: choices.environment.url,
              role:
                choices.role.kind === 'create'
                  ? { mode: 'create' as const }
                  : { mode: 'existing' as const, roleId: choices.role.roleId },
              secretLifetimeMonths: choices.secretLifetimeMonths,
            }
          : {}),
      },
      ...extra,
    });
  }

  // One vault for every run of this page: a secret made by a run that then stopped is handed off by the next one.
  const vault: SecretVault = { pending: null, handedOff: new Set() };

  // For reading (discover, plan): one engine, its choices changed as the admin changes them.
  const reader: Engine = engineFor(undefined);

  let queue: Promise<unknown> = Promise.resolve();

  /** Reads one at a time: the reader's choices are shared, so two pages' loaders must not interleave. */
  function planWith(patch: Parameters<Engine['choose']>[0]): Promise<EnginePlan> {
    const next = queue.then(async () => {
      reader.choose(patch);
      return reader.plan();
    });
    queue = next.catch(() => undefined);
    return next;
  }

  return {
    async discover() {
      const plan = await planWith({});
      const d = plan.discovery;
      return {
        tenantId: d.tenantId,
        username: d.user.userPrincipalName ?? d.user.displayName ?? account?.username ?? '',
        blockers: plan.blockers.filter((b) => b.step === 'preflight').map(toBlocker),
        environments: d.environments.filter((e) => e.discovered).map(toOption),
        ...(d.environmentsError ? { environmentsError: d.environmentsError.message } : {}),
        ...(d.environmentsError && POPUP_BLOCKED_CODES.includes(d.environmentsError.code)
          ? { signInBlocked: true }
          : {}),
      } satisfies Discovery;
    },

    async checkEnvironment(url) {
      const plan = await planWith({ environmentUrl: url });
      const d = plan.discovery;
      const blockers = plan.blockers.filter((b) => b.step === 'preflight' || b.step === 'environment');
      if (d.environmentError && !blockers.some((b) => b.code === d.environmentError?.code)) {
        blockers.push({ ...d.environmentError, step: 'environment' });
      }
      return {
        environment: d.environment ? toOption(d.environment) : { url, name: url },
        blockers: blockers.map(toBlocker),
        roles: (d.dataverse?.roles ?? []).map((r) => ({ roleId: r.roleId, name: r.name })),
      } satisfies EnvironmentCheck;
    },

    async plan(choices) {
      const plan = await planWith({
        environmentUrl: choices.environment.url,
        role:
          choices.role.kind === 'create'
            ? { mode: 'create' }
            : { mode: 'existing', roleId: choices.role.roleId },
        secretLifetimeMonths: choices.secretLifetimeMonths,
      });
      const d = plan.discovery;
      return {
        choices: {
          ...choices,
          environment: d.environment
            ? { ...choices.environment, ...toOption(d.environment) }
            : choices.environment,
        },
        items: plan.steps.map((s) => ({
          step: s.step,
          action: s.action,
          title: s.summary,
          detail: s.details.join(' '),
        })),
        appName: APP_DISPLAY_NAME,
        roleName: choices.role.kind === 'create' ? setup.manifest.roleName : choices.role.roleName,
        privileges: setup.manifest.tables,
        missingPrivileges: choices.role.kind === 'existing' ? (d.dataverse?.missingPrivileges ?? []) : [],
        blockers: plan.blockers.map(toBlocker),
        roles: (d.dataverse?.roles ?? []).map((r) => ({ roleId: r.roleId, name: r.name })),
      } satisfies Plan;
    },

    async apply(choices, { signal, onEvent }) {
      // A fresh engine per run: it rediscovers, so a reload or a retry converges instead of repeating work.
      const engine = engineFor(choices, {
        signal,
        vault,
        onEvent: ({ seq: _seq, ...event }) => onEvent(event),
      });
      const result = await engine.apply();
      if (result.status === 'cancelled') throw new DOMException('The run was cancelled.', 'AbortError');
      if (result.status === 'failed') {
        throw new RunFailedError(
          result.error ?? { code: 'run_failed', message: 'The setup stopped before it finished.' },
        );
      }
      const o = result.outputs;
      return {
        tenantId: o.tenantId ?? '',
        clientId: o.clientId ?? '',
        environmentUrl: o.environmentUrl ?? choices.environment.url,
        ...(choices.environment.environmentId ? { environmentId: choices.environment.environmentId } : {}),
        applicationUserId: o.applicationUserId ?? '',
        roleName:
          o.roleName ?? (choices.role.kind === 'existing' ? choices.role.roleName : setup.manifest.roleName),
        ...(o.secretExpiresAt ? { secretExpiresAt: o.secretExpiresAt } : {}),
      } satisfies RunResult;
    },
  };
}

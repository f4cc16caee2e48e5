import type { ClientConfig } from '@kantiv/shared/client-config';
import type { WizardSetup } from '@kantiv/shared/setup';
import {
  createEngine,
  emptySecretHolder,
  summarizeDiscovery,
  summarizeEnvironmentCheck,
  summarizePlan,
  summarizeRun,
  toEngineChoices,
  type Engine,
  type EngineConfig,
  type Plan,
  type PlanChoices,
  type TokenResource,
  type WizardEngine,
} from '@kantiv/provisioning';
import { handOffCredential } from '../api/hand-off-credential.ts';
import { discoveryScope } from '@kantiv/shared/clouds';
import { requestCertificate } from '../api/request-certificate.ts';
import { reportRepair } from '../api/report-repair.ts';
import { followUpConfig, waitForSwitch } from './follow-up.ts';
import { followUpPurpose } from './follow-up-purpose.ts';
import { currentAccount, getAccessToken } from './auth.ts';
import { SIGN_IN_SCOPES } from './sign-in-scopes.ts';

/**
 * The provisioning engine (`@kantiv/provisioning`) as the wizard's `WizardEngine`, with MSAL as its token provider
 * and our server's hand-off endpoint: access tokens go from MSAL to the engine's requests and nowhere else. Loaded on
 * demand, so the first pages stay small.
 */

/** One token per resource. Resource URIs are the configured cloud's identifiers, the same against the emulator. */
export function scopesFor(config: ClientConfig, resource: TokenResource): string[] {
  if (resource === 'graph') return SIGN_IN_SCOPES;
  if (resource === 'discovery') return [discoveryScope(config.microsoft.discoveryBaseUrl)];
  return [`${new URL(resource.environmentUrl).origin}/user_impersonation`];
}

export async function createWizardEngine(config: ClientConfig, setup: WizardSetup): Promise<WizardEngine> {
  const account = await currentAccount();
  const baseConfig: EngineConfig = {
    endpoints: { graph: config.microsoft.graphBaseUrl, discovery: config.microsoft.discoveryBaseUrl },
    manifest: setup.manifest,
    secretLifetimeMonths: setup.secretLifetimeMonths,
    // Its own secret on the tenant's shared app: connecting another environment never revokes this one (decision 010).
    credentialOwner: setup.id,
    ...(account ? { tenantId: account.tenantId } : {}),
    ...followUpConfig(setup),
  };
  const tokens = {
    getToken: (resource: TokenResource, options?: { fresh?: boolean }) =>
      getAccessToken(scopesFor(config, resource), options),
  };
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
      // Certificate mode, the default: the key pair is made on our server, the browser sees the public part only.
      certificate: (request) => requestCertificate(request),
      ...(followUpPurpose(setup) ? { switched: waitForSwitch } : {}),
      config: {
        ...baseConfig,
        ...(choices ? toEngineChoices(choices) : {}),
      },
      ...extra,
    });
  }

  // One secret holder for every run of this page: a secret made by a run that then stopped is handed off by the next.
  // The planner shares it: what a run learned of the tenant's policy (certificates refused, lifetimes capped) is on
  // the next plan.
  const secretHolder = emptySecretHolder();

  // For reading (discover, plan): one engine, its choices changed as the admin changes them.
  const reader: Engine = engineFor(undefined, { secretHolder });

  let queue: Promise<unknown> = Promise.resolve();

  /** Reads one at a time: the reader's choices are shared, so two pages' loaders must not interleave. */
  function planWith(patch: Parameters<Engine['choose']>[0]): Promise<Plan> {
    const next = queue.then(async () => {
      reader.choose(patch);
      return reader.plan();
    });
    queue = next.catch(() => undefined);
    return next;
  }

  return {
    async discover() {
      return summarizeDiscovery(await planWith({}), account?.username ?? '');
    },

    async checkEnvironment(url) {
      return summarizeEnvironmentCheck(await planWith({ environmentUrl: url }), url);
    },

    async plan(choices) {
      return summarizePlan(await planWith(toEngineChoices(choices)), choices, setup.manifest);
    },

    async apply(choices, { signal, onEvent }) {
      // A fresh engine per run: it rediscovers, so a reload or a retry converges instead of repeating work.
      const engine = engineFor(choices, {
        signal,
        secretHolder,
        onEvent: ({ seq: _seq, ...event }) => onEvent(event),
      });
      const result = await engine.apply();
      // The repair's end: Kantiv learns the ids the run converged on and checks the connection now.
      if (result.status === 'succeeded' && followUpPurpose(setup) === 'repair') {
        const userId = result.outputs.applicationUserId;
        await reportRepair(userId ? { applicationUserId: userId } : {});
      }
      return summarizeRun(result, choices, setup.manifest);
    },
  };
}

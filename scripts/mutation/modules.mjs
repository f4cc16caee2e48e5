// @ts-check
/**
 * The modules whose failure would break a promise, each with the files Stryker mutates and the test files that
 * cover them. Each module is its own Stryker run: a mutant is only ever tried against its module's tests, so a
 * survivor costs a few test files, not the whole suite. Test paths are relative to their package.
 *
 * @type {Record<string, { mutate: string[]; tsconfig: string; staticMutants?: boolean; bail?: boolean; tests: Record<'server' | 'e2e' | 'provisioning', string[]> }>}
 */
export const MODULES = {
  vault: {
    mutate: ['server/src/vault/vault.ts'],
    tsconfig: 'server/tsconfig.json',
    tests: {
      server: ['test/vault.test.ts', 'test/vault-format.test.ts', 'test/vault-hardening.test.ts'],
      e2e: [],
      provisioning: [],
    },
  },
  lifecycle: {
    mutate: ['server/src/services/setups/lifecycle.ts'],
    staticMutants: true,
    tsconfig: 'server/tsconfig.json',
    tests: {
      // transition-spec: the whole grid of moves against a list written by hand; lifecycle-writes: what a write
      // leaves besides the state (a terminal setup's exceptions, the retired link, audit entries).
      server: [
        'test/lifecycle.test.ts',
        'test/state-machine.test.ts',
        'test/revoke-fencing.test.ts',
        'test/transition-spec.test.ts',
        'test/lifecycle-writes.test.ts',
      ],
      e2e: [],
      provisioning: [],
    },
  },
  verifier: {
    mutate: ['server/src/services/verifier.ts'],
    tsconfig: 'server/tsconfig.json',
    tests: {
      // verifier-backoff: the wait between attempts, with the jitter fixed.
      server: ['test/no-leak.test.ts', 'test/environment-url.test.ts', 'test/verifier-backoff.test.ts'],
      e2e: [
        'integration/server-verification.test.ts',
        'integration/verification-failures.test.ts',
        'integration/verification-edges.test.ts',
        'integration/verification-classification.test.ts',
        // What record writes besides the state move: last_error, events, audit, webhooks; a non-Microsoft
        // failure and a fresh secret inside the secret grace.
        'integration/verification-record.test.ts',
        // A refused secret: waited on from the automatic path, an answer at once from the manual one.
        'integration/manual-secret-refused.test.ts',
      ],
      provisioning: [],
    },
  },
  jobs: {
    mutate: ['server/src/services/jobs.ts'],
    tsconfig: 'server/tsconfig.json',
    tests: {
      // revoke-fencing: fenceSetupJobs as a revoke uses it; tracing: a job continues its enqueuer's trace (its id).
      server: [
        'test/jobs.test.ts',
        'test/job-fairness.test.ts',
        'test/job-runner-outcomes.test.ts',
        'test/revoke-fencing.test.ts',
        'test/tracing.test.ts',
      ],
      e2e: [],
      provisioning: [],
    },
  },
  'token-vending': {
    // With the certificate path: how a stored row becomes MSAL's credential (appCredential) and the branch of
    // acquireAppToken that signs a client assertion instead of sending a secret.
    mutate: [
      'server/src/services/token-vending.ts',
      'server/src/services/microsoft.ts:72-79',
      'server/src/services/microsoft.ts:111-115',
    ],
    tsconfig: 'server/tsconfig.json',
    tests: {
      server: ['test/revoke-fencing.test.ts', 'test/no-leak.test.ts'],
      e2e: [
        'integration/token-vending.test.ts',
        'integration/token-vending-refusals.test.ts',
        'integration/token-vending-race.test.ts',
        'integration/certificate-credentials.test.ts',
        'integration/certificate-rotation.test.ts',
      ],
      provisioning: [],
    },
  },
  webhooks: {
    mutate: ['server/src/services/webhooks.ts', 'server/src/services/webhook-rows.ts'],
    tsconfig: 'server/tsconfig.json',
    tests: {
      // standard-webhooks: the legacy Kantiv-Signature; webhook-management: both secrets sign during a rotation's
      // grace period, and the subscription's optional fields as the API returns them; webhook-attempts: what one
      // delivery attempt leaves (payload, headers, retry schedule, give-up reasons, metrics); webhook-rows: the stored
      // subscription and delivery rows as the API shows them, and what a test delivery sends and stores.
      server: [
        'test/webhook-delivery.test.ts',
        'test/webhooks-and-keys.test.ts',
        'test/webhook-ownership.test.ts',
        'test/webhook-ssrf.test.ts',
        'test/standard-webhooks.test.ts',
        'test/webhook-management.test.ts',
        'test/webhook-attempts.test.ts',
        'test/webhook-rows.test.ts',
      ],
      e2e: [],
      provisioning: [],
    },
  },
  steps: {
    mutate: ['web/provisioning/src/steps/*.ts', '!web/provisioning/src/steps/index.ts'],
    // Stop a mutant at its first failing test (see the config): each is covered by most engine runs.
    bail: true,
    tsconfig: 'web/provisioning/tsconfig.json',
    tests: {
      server: [],
      e2e: [],
      provisioning: [
        'test/units.test.ts',
        'test/engine.test.ts',
        'test/faults.test.ts',
        'test/resume.test.ts',
        // The credential step word for word: planned dates, what addPassword receives, the policy's answers.
        'test/credential-step.test.ts',
        'test/handoff-step.test.ts',
        // A secret deleted by hand during the clean-up (404), another Graph error there; Step 3 word for word.
        'test/handoff-edges.test.ts',
        'test/api-permission-step.test.ts',
        // Kantiv's role changed by hand: privileges added are taken away, a lowered one raised.
        'test/security-role-step.test.ts',
        // The application user changed by hand: a role taken away, the user deactivated.
        'test/application-user-step.test.ts',
        // Step 4's texts: a new role's plan, an existing role's result, the required-column blocker.
        'test/role-and-user-edges.test.ts',
        'test/certificate-step.test.ts',
        // Certificate mode, its fallback to a secret, and the follow-up links' renewals (decisions 011, 013).
        'test/certificate.test.ts',
        'test/follow-up-links.test.ts',
        // Our app deleted by hand: restored, or (refused) the blocker word for word; Graph busy at the restore.
        'test/deleted-application.test.ts',
        // The plan's blockers word for word: no consent, no Entra role, Global Discovery empty or down, roles, tables.
        'test/blockers-word-for-word.test.ts',
        // Another run creates the app just before the upsert (204): found by its unique name once replicated.
        'test/app-registration-race.test.ts',
      ],
    },
  },
};

/** @param {string | undefined} name */
export function moduleNamed(name) {
  const found = name ? MODULES[name] : undefined;
  if (!found)
    throw new Error(`MUTATION_MODULE must be one of ${Object.keys(MODULES).join(', ')} (got ${name})`);
  return found;
}

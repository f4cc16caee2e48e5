import type { WizardSetup } from '@kantiv/shared/setup';
import { WIZARD_STEPS, type WizardStep } from '../../../config/paths.ts';
import { followUpPurpose } from './follow-up-purpose.ts';
import { AFTER_ENVIRONMENT_STEP_IDS } from './run-steps.ts';
import type { WizardChoices } from './wizard-memory.ts';

export type GuardInput = {
  setup: Pick<WizardSetup, 'state' | 'tenantId' | 'steps' | 'verification' | 'link'>;
  /** Tenant of the Microsoft account signed in in this tab, if any. */
  signedInTenantId: string | undefined;
  choices: WizardChoices;
};

/**
 * The first step the admin has not finished, from what the server knows (setup state, step history, tenant binding)
 * and what this tab holds (sign-in, choices). Reloads and returns days later land here; finished work is never
 * offered again.
 */
export function firstIncompleteStep({ setup, signedInTenantId, choices }: GuardInput): WizardStep {
  // A renewal or repair link (decisions 013, 014) reopens the wizard on the connection in use, until it is spent.
  if (setup.state === 'awaiting_verification' || (setup.state === 'verified' && !followUpPurpose(setup)))
    return 'done';
  if (setup.state === 'failed' && setup.verification && !choices.rerun) return 'done';
  const bound = setup.tenantId !== undefined && signedInTenantId === setup.tenantId;
  if (!bound) return choices.welcomed || signedInTenantId ? 'sign-in' : 'welcome';
  if (choices.rerun && !choices.environmentUrl) return 'environment';
  // The first run's steps are history for a follow-up link's run, which starts from its own plan.
  const runMoved =
    !setup.link &&
    setup.steps.some((s) => AFTER_ENVIRONMENT_STEP_IDS.includes(s.step) && s.status !== 'pending');
  if (choices.runStarted || runMoved) return 'run';
  if (!choices.environmentUrl) return 'environment';
  return 'plan';
}

/**
 * Where a request for `requested` should go: itself when it is at or before the first incomplete step (going back is
 * fine, e.g. to pick another environment after a blocker), otherwise the first incomplete step. Once the setup is done
 * nothing before it is reachable.
 */
export function resolveStep(requested: WizardStep | undefined, firstIncomplete: WizardStep): WizardStep {
  if (requested === undefined) return firstIncomplete;
  if (firstIncomplete === 'done') return 'done';
  const want = WIZARD_STEPS.indexOf(requested);
  const limit = WIZARD_STEPS.indexOf(firstIncomplete);
  return want <= limit ? requested : firstIncomplete;
}

export function isWizardStep(value: string | undefined): value is WizardStep {
  return (WIZARD_STEPS as readonly string[]).includes(value ?? '');
}

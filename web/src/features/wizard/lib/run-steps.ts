import type { StepId } from '@kantiv/shared/steps';
import { STEP_IDS } from '@kantiv/shared/step-ids';

/** The steps the browser runs, in order: every step of a setup but the server's verification. */
export const RUN_STEP_IDS: readonly StepId[] = STEP_IDS.filter((step) => step !== 'verification');

/** Steps after the environment choice: once any of them moved, the run page is where the admin belongs. */
export const AFTER_ENVIRONMENT_STEP_IDS: readonly StepId[] = RUN_STEP_IDS.slice(
  RUN_STEP_IDS.indexOf('environment') + 1,
);

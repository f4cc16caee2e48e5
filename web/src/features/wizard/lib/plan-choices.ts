import type { WizardSetup } from '@kantiv/shared/setup';
import type { PlanChoices } from '@kantiv/provisioning';
import type { WizardChoices } from './wizard-memory.ts';

/** The admin's choices as the engine wants them, with the setup's defaults; undefined before an environment. */
export function planChoicesFrom(setup: WizardSetup, choices: WizardChoices): PlanChoices | undefined {
  if (!choices.environmentUrl) return undefined;
  return {
    environment: {
      url: choices.environmentUrl,
      name: choices.environmentName ?? choices.environmentUrl,
      ...(choices.environmentId ? { environmentId: choices.environmentId } : {}),
    },
    role: choices.role ?? { kind: 'create' },
    secretLifetimeMonths: Math.min(
      24,
      Math.max(1, choices.secretLifetimeMonths ?? setup.secretLifetimeMonths),
    ),
    ...(choices.credentialKind ? { credentialKind: choices.credentialKind } : {}),
  };
}

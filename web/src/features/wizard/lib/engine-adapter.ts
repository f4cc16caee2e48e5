import type { ClientConfig } from '@kantiv/shared/client-config';
import type { WizardSetup } from '@kantiv/shared/setup';
import type { WizardEngine } from './engine-types.ts';

/**
 * Maps the provisioning engine (web/src/provisioning) onto the wizard's `WizardEngine`. Loaded on demand.
 */
export function createWizardEngine(_config: ClientConfig, _setup: WizardSetup): WizardEngine {
  throw new Error('The provisioning engine is not part of this build yet.');
}

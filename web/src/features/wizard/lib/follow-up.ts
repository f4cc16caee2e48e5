import type { WizardSetup } from '@kantiv/shared/setup';
import type { EngineConfig } from '@kantiv/provisioning';
import { getWizardSetup } from '../api/get-wizard-setup.ts';
import { followUpPurpose } from './follow-up-purpose.ts';

const POLL_MS = 1_000;

/**
 * What a renewal or repair link (decisions 013, 014) changes in the engine's configuration: the link's purpose and
 * the credential Kantiv holds now (a repair keeps it while it is on the app; a renewal replaces it).
 */
export function followUpConfig(setup: WizardSetup): Pick<EngineConfig, 'purpose' | 'handedOffSecretKeyId'> {
  const purpose = followUpPurpose(setup);
  if (!purpose) return {};
  return {
    purpose,
    ...(setup.credential?.keyId ? { handedOffSecretKeyId: setup.credential.keyId } : {}),
  };
}

/**
 * Resolves once our server uses the credential with `keyId` (it verified it and switched token vending to it): only
 * then may the run remove the old secret. Asks once a second; the admin can cancel the run meanwhile.
 */
export async function waitForSwitch(keyId: string, signal: AbortSignal): Promise<void> {
  for (;;) {
    const setup = await getWizardSetup(signal);
    if (setup.credential?.keyId?.toLowerCase() === keyId.toLowerCase()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, POLL_MS);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(signal.reason instanceof Error ? signal.reason : new DOMException('Aborted', 'AbortError'));
        },
        { once: true },
      );
    });
  }
}

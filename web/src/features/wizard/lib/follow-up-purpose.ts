import type { WizardSetup } from '@kantiv/shared/setup';

/**
 * A renewal or repair link: the wizard runs the engine again on the connection in use. (Other link purposes, such as
 * a disconnect, have pages of their own.)
 */
export function followUpPurpose(setup: Pick<WizardSetup, 'link'>): 'renew' | 'repair' | undefined {
  const purpose = setup.link?.purpose;
  return purpose === 'renew' || purpose === 'repair' ? purpose : undefined;
}

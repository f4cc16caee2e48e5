import { useTranslation } from 'react-i18next';
import type { WizardSetup } from '@kantiv/shared/setup';
import { followUpPurpose } from '../lib/follow-up-purpose.ts';

/** What a renewal or repair link's run is for (decisions 013, 014), said on the welcome and plan pages. */
export function FollowUpNotice({ setup }: { setup: Pick<WizardSetup, 'link' | 'customerName'> }) {
  const { t } = useTranslation();
  const purpose = followUpPurpose(setup);
  if (!purpose) return null;
  const renew = purpose === 'renew';
  const customer = setup.customerName;
  return (
    <section className="notice notice--warn" aria-labelledby="follow-up-title" data-testid="follow-up">
      <h2 id="follow-up-title">{renew ? t('followUp.renewTitle') : t('followUp.repairTitle')}</h2>
      <p>{renew ? t('followUp.renewLead', { customer }) : t('followUp.repairLead', { customer })}</p>
    </section>
  );
}

import type { PlanSummary } from '@kantiv/provisioning';
import { useTranslation } from 'react-i18next';
import type { WizardChoices } from '../lib/wizard-memory.ts';
import { RadioChoice } from './radio-choice.tsx';

const LIFETIMES = [3, 6, 12, 18, 24];

/**
 * Certificate (recommended, the default) or client secret, and the credential's lifetime; where the tenant's app
 * management policy refused certificates or capped their lifetime, the reason, in Microsoft's words.
 */
export function CredentialChoice({
  plan,
  busy,
  onChange,
}: {
  plan: PlanSummary;
  busy: boolean;
  onChange: (patch: WizardChoices) => void;
}) {
  const { t } = useTranslation();
  const c = plan.credential;
  const refused = c.certificatesRefused;
  return (
    <fieldset data-testid="credential-choice">
      <legend>{t('plan.credential.legend')}</legend>
      <RadioChoice
        id="credential-certificate"
        name="credential"
        checked={c.kind === 'certificate'}
        disabled={busy || Boolean(refused)}
        describedBy="credential-certificate-hint"
        onChange={() => onChange({ credentialKind: 'certificate' })}
        label={t('plan.credential.certificate')}
      >
        <p id="credential-certificate-hint" className="muted">
          {t('plan.credential.certificateHint', { days: c.lifetimeDays })}
        </p>
      </RadioChoice>
      <RadioChoice
        id="credential-secret"
        name="credential"
        checked={c.kind === 'client_secret'}
        disabled={busy}
        onChange={() => onChange({ credentialKind: 'client_secret' })}
        label={t('plan.credential.secret')}
      />
      {refused && (
        <p className="notice" role="status" data-testid="credential-reason">
          {t('plan.credential.refused', { reason: refused })}
        </p>
      )}
      {c.kind === 'certificate' && c.cappedDays !== undefined && (
        <p className="notice" role="status" data-testid="credential-reason">
          {t('plan.credential.capped', { days: c.lifetimeDays })}
        </p>
      )}
      <div className="field">
        <label htmlFor="lifetime">{t('plan.validFor')}</label>
        <select
          id="lifetime"
          value={plan.choices.secretLifetimeMonths}
          disabled={busy}
          onChange={(e) => onChange({ secretLifetimeMonths: Number(e.target.value) })}
          aria-describedby="lifetime-hint"
        >
          {LIFETIMES.map((m) => (
            <option key={m} value={m}>
              {t('plan.months', { count: m })}
            </option>
          ))}
        </select>
        <p id="lifetime-hint" className="muted">
          {t('plan.credential.lifetimeHint')}
        </p>
      </div>
    </fieldset>
  );
}

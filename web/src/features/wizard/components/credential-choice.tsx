import type { PlanSummary } from '@kantiv/provisioning';
import type { WizardChoices } from '../lib/wizard-memory.ts';
import { RadioChoice } from './radio-choice.tsx';

const LIFETIMES = [12, 15, 18, 21, 24];

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
  const c = plan.credential;
  const refused = c.certificatesRefused;
  return (
    <fieldset data-testid="credential-choice">
      <legend>Credential</legend>
      <RadioChoice
        id="credential-certificate"
        name="credential"
        checked={c.kind === 'certificate'}
        disabled={busy || Boolean(refused)}
        describedBy="credential-certificate-hint"
        onChange={() => onChange({ credentialKind: 'certificate' })}
        label="Certificate (recommended)"
      >
        <p id="credential-certificate-hint" className="muted">
          Kantiv makes the key pair on its server; only the public certificate passes through your browser. No
          secret exists, and Kantiv renews the certificate by itself. Valid {c.lifetimeDays} days.
        </p>
      </RadioChoice>
      <RadioChoice
        id="credential-secret"
        name="credential"
        checked={c.kind === 'client_secret'}
        disabled={busy}
        onChange={() => onChange({ credentialKind: 'client_secret' })}
        label="Client secret"
      />
      {refused && (
        <p className="notice" role="status" data-testid="credential-reason">
          A client secret is used: your tenant&rsquo;s app management policy does not allow certificates on
          this app ({refused}).
        </p>
      )}
      {c.kind === 'certificate' && c.cappedDays !== undefined && (
        <p className="notice" role="status" data-testid="credential-reason">
          Your tenant&rsquo;s app management policy caps certificate lifetimes: the certificate is valid{' '}
          {c.lifetimeDays} days.
        </p>
      )}
      <div className="field">
        <label htmlFor="lifetime">Valid for</label>
        <select
          id="lifetime"
          value={plan.choices.secretLifetimeMonths}
          disabled={busy}
          onChange={(e) => onChange({ secretLifetimeMonths: Number(e.target.value) })}
          aria-describedby="lifetime-hint"
        >
          {LIFETIMES.map((m) => (
            <option key={m} value={m}>
              {m} months
            </option>
          ))}
        </select>
        <p id="lifetime-hint" className="muted">
          Between 12 and 24 months. If your tenant&rsquo;s policy allows less, the credential is shortened
          automatically and the run says so. Kantiv reminds you before it expires.
        </p>
      </div>
    </fieldset>
  );
}

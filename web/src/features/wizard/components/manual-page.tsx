import { useEffect, useState } from 'react';
import { Link, useRevalidator } from 'react-router';
import { CredentialHandoffFieldsSchema } from '@kantiv/shared/credentials';
import { CopyableValue } from '../../../components/copy-button.tsx';
import { externalLinks, paths } from '../../../config/paths.ts';
import { ApiClientError } from '../../../lib/api-client.ts';
import { PrivilegesTable } from './privileges-table.tsx';
import { handOffCredential } from '../api/hand-off-credential.ts';
import { APP_DISPLAY_NAME, SECRET_DISPLAY_NAME } from '@kantiv/shared/naming';
import { DYNAMICS_CRM_API_NAME, DYNAMICS_PERMISSION } from '../lib/naming.ts';
import { useWizard } from '../hooks/use-wizard.ts';
import { normaliseEnvironmentUrl } from '../lib/environment-match.ts';
import { ManualSignIn } from './manual-sign-in.tsx';
import { ExpiryField, RefusedDetails } from './manual-fields.tsx';

/** The same fields the server validates the hand-off with: what passes here passes there (the secret is required). */
const ManualFormSchema = CredentialHandoffFieldsSchema.pick({
  tenantId: true,
  clientId: true,
  environmentUrl: true,
}).extend({ clientSecret: CredentialHandoffFieldsSchema.shape.clientSecret.unwrap() });
type Field = keyof typeof ManualFormSchema.shape;
type Values = Record<Field, string>;

const FIELD_HELP: Record<Field, { label: string; hint: string; error: string }> = {
  tenantId: {
    label: 'Directory (tenant) ID',
    hint: 'From the app’s Overview page in Entra, e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47.',
    error: 'Enter the tenant ID: 32 hexadecimal characters in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.',
  },
  clientId: {
    label: 'Application (client) ID',
    hint: 'From the app’s Overview page in Entra.',
    error: 'Enter the client ID: 32 hexadecimal characters in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.',
  },
  clientSecret: {
    label: 'Client secret value',
    hint: 'The Value column (not the Secret ID), copied right after you created it. It goes only to Kantiv’s encrypted vault.',
    error: 'Paste the secret’s Value.',
  },
  environmentUrl: {
    label: 'Environment URL',
    hint: 'From the Power Platform admin center, e.g. contoso.crm.dynamics.com (https:// is optional).',
    error: 'Enter the environment address, e.g. contoso.crm.dynamics.com',
  },
};

/** What is sent for a field: the environment as `https://<host>`, however it was typed (as the environment step). */
function sentValue(field: Field, value: string): string {
  if (field === 'environmentUrl') return normaliseEnvironmentUrl(value) ?? value.trim();
  return field === 'clientSecret' ? value : value.trim().toLowerCase();
}

function fieldError(field: Field, value: string): string | undefined {
  const result = ManualFormSchema.shape[field].safeParse(sentValue(field, value));
  return result.success ? undefined : FIELD_HELP[field].error;
}

/** The secret's expiry as Entra showed it (a date), so Kantiv can warn before it runs out; today or later. */
function expiryError(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return 'Enter the date the secret expires, as Entra shows it.';
  return value < new Date().toISOString().slice(0, 10)
    ? 'This date has passed: create a new secret and enter its expiry date.'
    : undefined;
}

function addMonths(months: number): string {
  const d = new Date();
  d.setMonth(d.getMonth() + months);
  return d.toISOString().slice(0, 10);
}

export function ManualPage() {
  const { setup, choices } = useWizard();
  const revalidator = useRevalidator();
  const [values, setValues] = useState<Values>({
    tenantId: setup.tenantId ?? '',
    clientId: '',
    clientSecret: '',
    environmentUrl: setup.environmentUrl ?? choices.environmentUrl ?? '',
  });
  const [expiry, setExpiry] = useState('');
  const [touched, setTouched] = useState<Partial<Record<Field | 'expiry', boolean>>>({});
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<string | undefined>();
  const [submitted, setSubmitted] = useState(false);

  const verification = setup.verification;
  const verifying =
    submitted &&
    (setup.state === 'awaiting_verification' ||
      verification?.status === 'pending' ||
      verification?.status === 'running' ||
      verification?.status === 'waiting');
  const verified = setup.state === 'verified';
  const failedVerification =
    submitted && !verifying && (setup.state === 'failed' || verification?.status === 'failed');

  useEffect(() => {
    if (!verifying) return;
    const timer = window.setTimeout(() => void revalidator.revalidate(), 2000);
    return () => window.clearTimeout(timer);
  }, [verifying, revalidator, setup]);

  const errors = Object.fromEntries(
    (Object.keys(values) as Field[]).map((f) => [f, fieldError(f, values[f])]),
  ) as Record<Field, string | undefined>;
  const expiryProblem = expiryError(expiry);

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    setTouched({ tenantId: true, clientId: true, clientSecret: true, expiry: true, environmentUrl: true });
    // In the order of the form, so focus lands on the first wrong field.
    const order = ['tenantId', 'clientId', 'clientSecret', 'expiry', 'environmentUrl'] as const;
    const first = order.find((f) => (f === 'expiry' ? expiryProblem : errors[f]));
    if (first) {
      document.getElementById(`manual-${first}`)?.focus();
      return;
    }
    setSubmitting(true);
    setSubmitError(undefined);
    try {
      await handOffCredential({
        idempotencyKey: crypto.randomUUID(),
        source: 'manual',
        tenantId: sentValue('tenantId', values.tenantId),
        clientId: sentValue('clientId', values.clientId),
        clientSecret: values.clientSecret,
        environmentUrl: sentValue('environmentUrl', values.environmentUrl),
        // End of that day in UTC: Entra's Expires column is a date.
        secretExpiresAt: `${expiry}T23:59:59.000Z`,
      });
      // The secret leaves memory as soon as the server has it.
      setValues((v) => ({ ...v, clientSecret: '' }));
      setTouched((t) => ({ ...t, clientSecret: false }));
      setSubmitted(true);
      await revalidator.revalidate();
    } catch (err) {
      setSubmitError(err instanceof ApiClientError || err instanceof Error ? err.message : 'Sending failed.');
    } finally {
      setSubmitting(false);
    }
  }

  const inputFor = (field: Field, type: 'text' | 'password') => {
    const help = FIELD_HELP[field];
    const showError = touched[field] && errors[field];
    return (
      <div className="field">
        <label htmlFor={`manual-${field}`}>{help.label}</label>
        <input
          id={`manual-${field}`}
          name={field}
          type={type}
          value={values[field]}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={showError ? true : undefined}
          aria-describedby={`manual-${field}-hint${showError ? ` manual-${field}-error` : ''}`}
          onChange={(e) => {
            setValues((v) => ({ ...v, [field]: e.target.value }));
            setTouched((t) => ({ ...t, [field]: true }));
          }}
        />
        <p id={`manual-${field}-hint`} className="muted">
          {help.hint}
        </p>
        {showError && (
          <p id={`manual-${field}-error`} className="field-error">
            {errors[field]}
          </p>
        )}
      </div>
    );
  };

  return (
    <>
      <h1 tabIndex={-1}>Set up the connection by hand</h1>
      <p className="lead">
        Follow these five steps in Microsoft&rsquo;s admin centers, then enter the four values below. Kantiv
        checks them exactly like the automatic setup does.{' '}
        <Link to={paths.setup.root(setup.id)}>Back to the automatic setup</Link>
      </p>

      <ol className="manual-steps">
        <li>
          <h2>Create an app registration in Microsoft Entra ID</h2>
          <p>
            In the{' '}
            <a href={externalLinks.entraAppRegistrations} target="_blank" rel="noreferrer">
              Entra admin center, App registrations (opens in a new tab)
            </a>
            , choose <em>New registration</em> and enter:
          </p>
          <dl className="details">
            <CopyableValue label="Name" value={APP_DISPLAY_NAME} />
            <CopyableValue
              label="Supported account types"
              value="Accounts in this organizational directory only (Single tenant)"
            />
          </dl>
          <p>
            Leave the redirect URI empty and choose <em>Register</em>. Keep the page open: its Overview shows
            the Application (client) ID and Directory (tenant) ID you enter below.
          </p>
        </li>
        <li>
          <h2>Create a client secret</h2>
          <p>
            In the same app registration, open <em>Certificates &amp; secrets</em> → <em>Client secrets</em> →{' '}
            <em>New client secret</em>:
          </p>
          <dl className="details">
            <CopyableValue label="Description" value={SECRET_DISPLAY_NAME} />
            <CopyableValue label="Expires (custom end date)" value={addMonths(setup.secretLifetimeMonths)} />
          </dl>
          <p>
            Choose <em>Add</em>, then copy the <strong>Value</strong> at once: Microsoft never shows it again.
            Paste it only into the form below, never into an email.
          </p>
        </li>
        <li>
          <h2>Add the Dynamics CRM permission</h2>
          <p>
            Open <em>API permissions</em> → <em>Add a permission</em> → <em>APIs my organization uses</em>,
            search for:
          </p>
          <dl className="details">
            <CopyableValue label="API" value={DYNAMICS_CRM_API_NAME} />
            <CopyableValue label="Delegated permission" value={DYNAMICS_PERMISSION} />
          </dl>
          <p>
            Choose <em>Add permissions</em>. What Kantiv may do in Dynamics is decided by the security role in
            the next step.
          </p>
        </li>
        <li>
          <h2>Create the application user in Dynamics 365</h2>
          <p>
            In the Power Platform admin center, open your environment → <em>Settings</em> →{' '}
            <em>Users + permissions</em>:
          </p>
          <ol>
            <li>
              <em>Security roles</em> → <em>New role</em>, named as below, with exactly these table privileges
              (or use an existing role that has them):
            </li>
          </ol>
          <dl className="details">
            <CopyableValue label="Security role name" value={setup.manifest.roleName} />
          </dl>
          <PrivilegesTable tables={setup.manifest.tables} caption="Table privileges the role needs" />
          <ol start={2}>
            <li>
              <em>Application users</em> → <em>New app user</em> → <em>Add an app</em> → pick{' '}
              {APP_DISPLAY_NAME}; choose your root business unit and the role above; <em>Create</em>.
            </li>
          </ol>
        </li>
        <li>
          <h2>Give the details to Kantiv</h2>
          <p>
            Enter them here. They are checked as you type and sent over an encrypted connection to Kantiv
            only.
          </p>
        </li>
      </ol>

      {!setup.tenantId && (
        <ManualSignIn
          // The tenant is known now: prefill it unless the admin typed something.
          onSignedIn={(tenantId) => setValues((v) => (v.tenantId ? v : { ...v, tenantId }))}
        />
      )}
      <form
        className="manual-form"
        onSubmit={(e) => void onSubmit(e)}
        noValidate
        aria-labelledby="manual-form-title"
      >
        <h2 id="manual-form-title">Connection details</h2>
        {inputFor('tenantId', 'text')}
        {inputFor('clientId', 'text')}
        {inputFor('clientSecret', 'password')}
        <ExpiryField
          value={expiry}
          error={touched.expiry ? expiryProblem : undefined}
          onChange={(value) => {
            setExpiry(value);
            setTouched((t) => ({ ...t, expiry: true }));
          }}
        />
        {inputFor('environmentUrl', 'text')}
        {submitError && (
          <p className="notice notice--error" role="alert">
            {submitError}
          </p>
        )}
        <p className="actions">
          <button
            type="submit"
            className="button button--primary"
            disabled={submitting || verifying || !setup.tenantId}
          >
            {submitting ? 'Sending…' : verifying ? 'Kantiv is verifying…' : 'Send to Kantiv and verify'}
          </button>
        </p>
      </form>

      <div aria-live="polite" data-testid="manual-verification" data-state={setup.state}>
        {verifying && (
          <p className="notice notice--info">
            Kantiv is signing in with these details and reading each table…
          </p>
        )}
        {verified && (
          <p className="notice notice--ok">
            Connected. Kantiv verified the connection.{' '}
            <Link to={paths.setup.step(setup.id, 'done')}>See the summary</Link>
          </p>
        )}
        {failedVerification && <RefusedDetails error={verification?.error} />}
      </div>
    </>
  );
}

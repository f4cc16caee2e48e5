import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { CreateSetupRequestSchema, type CreateSetupResponse } from '@kantiv/shared/setup';
import { consolePaths } from '../../../config/paths.ts';
import { createSetup } from '../api/create-setup.ts';
import { useConsole } from '../hooks/use-console.ts';
import { formatDateTime } from '../lib/format.ts';
import { errorMessage } from '../lib/loaded.ts';
import { ActionButton, ManageFields } from './action-button.tsx';
import { ErrorMessage } from './error-message.tsx';
import { OneTimeValue } from './one-time-value.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { InviteEmailPanel } from './invite-email-panel.tsx';

type FieldErrors = Partial<Record<string, string>>;

const FRIENDLY: Partial<Record<string, string>> = {
  customerName: "Enter the customer's name.",
  inviteExpiresInDays: 'Between 1 and 30 days.',
};

/** The form behind `POST /api/v1/setups`; the same zod schema as the server validates it. */
export function NewSetupPage() {
  usePageTitle('New setup');
  const { auth } = useConsole();
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreateSetupResponse | null>(null);
  const [inviteKept, setInviteKept] = useState(false);
  const [customManifest, setCustomManifest] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    const form = new FormData(e.currentTarget);
    const text = (name: string) => {
      const v = form.get(name);
      return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
    };
    let manifest: unknown;
    let manifestError: string | undefined;
    if (customManifest) {
      try {
        manifest = JSON.parse(text('manifest') ?? '');
      } catch {
        manifestError = 'The manifest must be JSON.';
      }
    }
    const parsed = CreateSetupRequestSchema.safeParse({
      customerName: text('customerName') ?? '',
      expectedTenantDomain: text('expectedTenantDomain'),
      environmentHint: text('environmentHint'),
      manifest,
      secretLifetimeMonths: Number(text('secretLifetimeMonths') ?? 24),
      inviteExpiresInHours: Number(text('inviteExpiresInDays') ?? 7) * 24,
    });
    if (!parsed.success || manifestError) {
      const errors: FieldErrors = manifestError ? { manifest: manifestError } : {};
      for (const issue of parsed.error?.issues ?? []) {
        const key = issue.path[0] === 'inviteExpiresInHours' ? 'inviteExpiresInDays' : String(issue.path[0]);
        errors[key] ??=
          FRIENDLY[key] ??
          (issue.path.length > 1 ? `${issue.path.slice(1).join('.')}: ${issue.message}` : issue.message);
      }
      setFieldErrors(errors);
      // The first field in error (in the form's order) takes the focus, so its message is read out and fixed first.
      const form = e.currentTarget;
      const first = Array.from(form.elements).find(
        (el): el is HTMLInputElement => 'name' in el && typeof el.name === 'string' && el.name in errors,
      );
      first?.focus();
      return;
    }
    setFieldErrors({});
    setBusy(true);
    try {
      setCreated(await createSetup(auth, parsed.data));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  if (created) {
    return (
      <>
        <h1>Setup created for {created.setup.customerName}</h1>
        <section aria-labelledby="invite-heading" className="c-panel">
          <h2 id="invite-heading">Invite link</h2>
          <p>
            Send this link to the customer&apos;s administrator. It is shown <strong>only once</strong> and
            expires on {formatDateTime(created.setup.inviteExpiresAt)}. If it is lost, create a new invite
            link from the setup&apos;s page.
          </p>
          <OneTimeValue
            label="Invite link"
            copyLabel="invite link"
            value={created.inviteUrl}
            testId="invite-url"
            onCopied={() => setInviteKept(true)}
          />
        </section>
        <InviteEmailPanel
          setup={created.setup}
          inviteUrl={created.inviteUrl}
          sent={inviteKept}
          onSent={() => setInviteKept(true)}
        />
        <p>
          <Link to={consolePaths.setup(created.setup.id)}>Follow this setup live</Link>
        </p>
      </>
    );
  }

  return (
    <>
      <h1>New setup</h1>
      <form className="c-stack" onSubmit={(e) => void submit(e)} noValidate>
        <ManageFields>
          <Field name="customerName" label="Customer name" error={fieldErrors.customerName} required />
          <Field
            name="expectedTenantDomain"
            label="Expected tenant domain (optional)"
            hint="For example contoso.com. The wizard refuses another tenant."
            error={fieldErrors.expectedTenantDomain}
          />
          <Field
            name="environmentHint"
            label="Dynamics environment (optional)"
            hint="The environment URL or name, if you know it."
            error={fieldErrors.environmentHint}
          />
          <label className="c-block">
            Secret lifetime
            <select name="secretLifetimeMonths" defaultValue="24">
              {[6, 12, 18, 24].map((m) => (
                <option key={m} value={m}>
                  {m} months
                </option>
              ))}
            </select>
          </label>
          <Field
            name="inviteExpiresInDays"
            label="Invite expires after (days)"
            type="number"
            defaultValue="7"
            error={fieldErrors.inviteExpiresInDays}
          />
          <fieldset>
            <legend>Table manifest</legend>
            <label className="c-inline">
              <input
                type="radio"
                name="manifestChoice"
                checked={!customManifest}
                onChange={() => setCustomManifest(false)}
              />
              Kantiv&apos;s default manifest
            </label>
            <label className="c-inline">
              <input
                type="radio"
                name="manifestChoice"
                checked={customManifest}
                onChange={() => setCustomManifest(true)}
              />
              A custom manifest (JSON)
            </label>
            {customManifest && (
              <Field name="manifest" label="Manifest JSON" multiline error={fieldErrors.manifest} />
            )}
          </fieldset>
        </ManageFields>
        {error && <ErrorMessage message={error} />}
        <div>
          <ActionButton type="submit" busy={busy}>
            {busy ? 'Creating…' : 'Create setup'}
          </ActionButton>
        </div>
      </form>
    </>
  );
}

function Field({
  name,
  label,
  hint,
  error,
  required = false,
  type = 'text',
  defaultValue,
  multiline = false,
}: {
  name: string;
  label: string;
  hint?: string;
  error?: string | undefined;
  required?: boolean;
  type?: string;
  defaultValue?: string;
  multiline?: boolean;
}) {
  const describedBy = [hint ? `${name}-hint` : '', error ? `${name}-error` : ''].filter(Boolean).join(' ');
  const common = {
    id: name,
    name,
    required,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy || undefined,
    defaultValue,
  };
  return (
    <div className="c-field">
      <label htmlFor={name}>{label}</label>
      {hint && (
        <span id={`${name}-hint`} className="c-hint">
          {hint}
        </span>
      )}
      {multiline ? <textarea rows={8} {...common} /> : <input type={type} {...common} />}
      {error && (
        <span id={`${name}-error`} className="c-field-error">
          {error}
        </span>
      )}
    </div>
  );
}

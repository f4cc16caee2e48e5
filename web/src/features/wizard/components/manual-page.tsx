import { useEffect, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { Link, useRevalidator } from 'react-router';
import { CredentialHandoffFieldsSchema } from '@kantiv/shared/credentials';
import { CopyableValue } from '../../../components/copy-button.tsx';
import { externalLinks, paths } from '../../../config/paths.ts';
import { ApiClientError } from '../../../lib/api-client.ts';
import { PrivilegesTable } from './privileges-table.tsx';
import { handOffCredential } from '../api/hand-off-credential.ts';
import { APP_DISPLAY_NAME, SECRET_DISPLAY_NAME } from '@kantiv/shared/naming';
import { DYNAMICS_CRM_API_NAME, DYNAMICS_PERMISSION } from '../lib/naming.ts';
import { useCopyWords } from '../hooks/use-copy-words.ts';
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

/** The catalog keys of each field's label, hint and error (`manual.<field>`, `…Hint`, `…Error`). */
const FIELDS: Field[] = ['tenantId', 'clientId', 'clientSecret', 'environmentUrl'];

/** What is sent for a field: the environment as `https://<host>`, however it was typed (as the environment step). */
function sentValue(field: Field, value: string): string {
  if (field === 'environmentUrl') return normaliseEnvironmentUrl(value) ?? value.trim();
  return field === 'clientSecret' ? value : value.trim().toLowerCase();
}

/** The catalog key of what is wrong with a field, if anything. */
function fieldError(field: Field, value: string): string | undefined {
  const result = ManualFormSchema.shape[field].safeParse(sentValue(field, value));
  return result.success ? undefined : `manual.${field}Error`;
}

/** The secret's expiry as Entra showed it (a date), so Kantiv can warn before it runs out; today or later. */
function expiryError(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return 'manual.expiryMissing';
  return value < new Date().toISOString().slice(0, 10) ? 'manual.expiryPast' : undefined;
}

function addMonths(months: number): string {
  const d = new Date();
  d.setMonth(d.getMonth() + months);
  return d.toISOString().slice(0, 10);
}

export function ManualPage() {
  const { t } = useTranslation();
  const words = useCopyWords();
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

  const errors = Object.fromEntries(FIELDS.map((f) => [f, fieldError(f, values[f])])) as Record<
    Field,
    string | undefined
  >;
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
      setSubmitError(
        err instanceof ApiClientError || err instanceof Error ? err.message : t('manual.sendFailed'),
      );
    } finally {
      setSubmitting(false);
    }
  }

  const inputFor = (field: Field, type: 'text' | 'password') => {
    const showError = touched[field] && errors[field];
    return (
      <div className="field">
        <label htmlFor={`manual-${field}`}>{t(`manual.${field}`)}</label>
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
          {t(`manual.${field}Hint`)}
        </p>
        {showError && (
          <p id={`manual-${field}-error`} className="field-error">
            {t(errors[field] ?? '')}
          </p>
        )}
      </div>
    );
  };

  return (
    <>
      <h1 tabIndex={-1}>{t('manual.title')}</h1>
      <p className="lead">
        {t('manual.lead')} <Link to={paths.setup.root(setup.id)}>{t('manual.back')}</Link>
      </p>

      <ol className="manual-steps">
        <li>
          <h2>{t('manual.s1Title')}</h2>
          <p>
            <Trans
              i18nKey="manual.s1Body"
              components={{
                em: <em />,
                entra: <a href={externalLinks.entraAppRegistrations} target="_blank" rel="noreferrer" />,
              }}
            />
          </p>
          <dl className="details">
            <CopyableValue label={t('manual.name')} value={APP_DISPLAY_NAME} words={words} />
            <CopyableValue
              label={t('manual.accountTypes')}
              value="Accounts in this organizational directory only (Single tenant)"
              words={words}
            />
          </dl>
          <p>
            <Trans i18nKey="manual.s1End" components={{ em: <em /> }} />
          </p>
        </li>
        <li>
          <h2>{t('manual.s2Title')}</h2>
          <p>
            <Trans i18nKey="manual.s2Body" components={{ em: <em /> }} />
          </p>
          <dl className="details">
            <CopyableValue label={t('manual.description')} value={SECRET_DISPLAY_NAME} words={words} />
            <CopyableValue
              label={t('manual.expiresCustom')}
              value={addMonths(setup.secretLifetimeMonths)}
              words={words}
            />
          </dl>
          <p>
            <Trans i18nKey="manual.s2End" components={{ em: <em />, strong: <strong /> }} />
          </p>
        </li>
        <li>
          <h2>{t('manual.s3Title')}</h2>
          <p>
            <Trans i18nKey="manual.s3Body" components={{ em: <em /> }} />
          </p>
          <dl className="details">
            <CopyableValue label={t('manual.api')} value={DYNAMICS_CRM_API_NAME} words={words} />
            <CopyableValue label={t('manual.delegated')} value={DYNAMICS_PERMISSION} words={words} />
          </dl>
          <p>
            <Trans i18nKey="manual.s3End" components={{ em: <em /> }} />
          </p>
        </li>
        <li>
          <h2>{t('manual.s4Title')}</h2>
          <p>
            <Trans i18nKey="manual.s4Body" components={{ em: <em /> }} />
          </p>
          <ol>
            <li>
              <Trans i18nKey="manual.s4Role" components={{ em: <em /> }} />
            </li>
          </ol>
          <dl className="details">
            <CopyableValue label={t('manual.roleName')} value={setup.manifest.roleName} words={words} />
          </dl>
          <PrivilegesTable tables={setup.manifest.tables} caption={t('manual.roleNeeds')} />
          <ol start={2}>
            <li>
              <Trans i18nKey="manual.s4User" values={{ app: APP_DISPLAY_NAME }} components={{ em: <em /> }} />
            </li>
          </ol>
        </li>
        <li>
          <h2>{t('manual.s5Title')}</h2>
          <p>{t('manual.s5Body')}</p>
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
        <h2 id="manual-form-title">{t('manual.formTitle')}</h2>
        {inputFor('tenantId', 'text')}
        {inputFor('clientId', 'text')}
        {inputFor('clientSecret', 'password')}
        <ExpiryField
          value={expiry}
          error={touched.expiry && expiryProblem ? t(expiryProblem) : undefined}
          onChange={(value) => {
            setExpiry(value);
            setTouched((t) => ({ ...t, expiry: true }));
          }}
        />
        {inputFor('environmentUrl', 'text')}
        {submitError && (
          <p className="notice notice--error" role="alert" lang="en">
            {submitError}
          </p>
        )}
        <p className="actions">
          <button
            type="submit"
            className="button button--primary"
            disabled={submitting || verifying || !setup.tenantId}
          >
            {submitting ? t('manual.sending') : verifying ? t('manual.verifyingButton') : t('manual.send')}
          </button>
        </p>
      </form>

      <div aria-live="polite" data-testid="manual-verification" data-state={setup.state}>
        {verifying && <p className="notice notice--info">{t('manual.verifying')}</p>}
        {verified && (
          <p className="notice notice--ok">
            {t('manual.verified')} <Link to={paths.setup.step(setup.id, 'done')}>{t('manual.summary')}</Link>
          </p>
        )}
        {failedVerification && <RefusedDetails error={verification?.error} />}
      </div>
    </>
  );
}

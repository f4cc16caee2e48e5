/** Parts of the manual form that are not a plain text field: the secret's expiry date and a refusal explained. */
import { useTranslation } from 'react-i18next';

export function ExpiryField({
  value,
  error,
  onChange,
}: {
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="field">
      <label htmlFor="manual-expiry">{t('manual.expiry')}</label>
      <input
        id="manual-expiry"
        name="secretExpiresAt"
        type="date"
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={`manual-expiry-hint${error ? ' manual-expiry-error' : ''}`}
        onChange={(e) => onChange(e.target.value)}
      />
      <p id="manual-expiry-hint" className="muted">
        {t('manual.expiryHint')}
      </p>
      {error && (
        <p id="manual-expiry-error" className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** Microsoft's codes for what the admin typed, each explained in one plain sentence (`manual.refused<number>`). */
const PLAIN = new Set(['AADSTS7000215', 'AADSTS7000222', 'AADSTS700016', 'AADSTS90002']);

/** Entra's error text ends with "Trace ID: … Correlation ID: …"; support asks for these. */
function requestIds(message: string): { trace?: string; correlation?: string } {
  const trace = /Trace ID: ([0-9a-f-]{36})/i.exec(message)?.[1];
  const correlation = /Correlation ID: ([0-9a-f-]{36})/i.exec(message)?.[1];
  return { ...(trace ? { trace } : {}), ...(correlation ? { correlation } : {}) };
}

export function RefusedDetails({
  error,
}: {
  error: { code: string; message: string; fix?: string } | undefined;
}) {
  const { t, i18n } = useTranslation();
  const aadsts = /AADSTS\d+/.exec(`${error?.code ?? ''} ${error?.message ?? ''}`)?.[0];
  const plain =
    aadsts && PLAIN.has(aadsts) ? t(`manual.refused${aadsts.slice(6)}`) : t('manual.refusedGeneric');
  const found = error ? requestIds(error.message) : {};
  const ids = new Intl.ListFormat(i18n.language, { style: 'narrow', type: 'unit' }).format([
    ...(found.trace ? [t('manual.traceId', { id: found.trace })] : []),
    ...(found.correlation ? [t('manual.correlationId', { id: found.correlation })] : []),
  ]);
  return (
    <div className="notice notice--error" role="alert" data-testid="manual-refused">
      <p>
        <strong>{t('manual.refused')}</strong> {plain}
      </p>
      {error && (
        <details>
          <summary>{t('manual.detailsFromMicrosoft')}</summary>
          <p>
            {t('common.codeLabel')} <code translate="no">{aadsts ?? error.code}</code>
            {ids ? ` · ${ids}` : ''}
          </p>
          <p className="muted" lang="en">
            {error.message}
          </p>
        </details>
      )}
    </div>
  );
}

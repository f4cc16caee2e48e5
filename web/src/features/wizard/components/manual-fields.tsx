/** Parts of the manual form that are not a plain text field: the secret's expiry date and a refusal explained. */

export function ExpiryField({
  value,
  error,
  onChange,
}: {
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
}) {
  return (
    <div className="field">
      <label htmlFor="manual-expiry">Client secret expires on</label>
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
        The Expires date Entra showed next to the secret. Kantiv reminds you before it runs out.
      </p>
      {error && (
        <p id="manual-expiry-error" className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** Microsoft's codes for what the admin typed, in one plain sentence each. */
const PLAIN: Record<string, string> = {
  AADSTS7000215:
    'Microsoft did not accept the client secret: copy its Value (not its Secret ID) and send it again.',
  AADSTS7000222: 'This client secret has expired: create a new one in Entra and send its Value.',
  AADSTS700016:
    'Microsoft does not know this Application (client) ID in your tenant: copy it from the app’s Overview page.',
  AADSTS90002: 'Microsoft does not know this Directory (tenant) ID: copy it from the app’s Overview page.',
};

/** Entra's error text ends with "Trace ID: … Correlation ID: …"; support asks for these. */
function requestIds(message: string): string | undefined {
  const trace = /Trace ID: ([0-9a-f-]{36})/i.exec(message)?.[1];
  const correlation = /Correlation ID: ([0-9a-f-]{36})/i.exec(message)?.[1];
  const ids = [trace && `Trace ID ${trace}`, correlation && `Correlation ID ${correlation}`].filter(Boolean);
  return ids.length > 0 ? ids.join(', ') : undefined;
}

export function RefusedDetails({
  error,
}: {
  error: { code: string; message: string; fix?: string } | undefined;
}) {
  const aadsts = /AADSTS\d+/.exec(`${error?.code ?? ''} ${error?.message ?? ''}`)?.[0];
  const plain =
    (aadsts && PLAIN[aadsts]) ??
    'Check the values (most often the secret: copy its Value, not its ID), then send them again.';
  const ids = error ? requestIds(error.message) : undefined;
  return (
    <div className="notice notice--error" role="alert" data-testid="manual-refused">
      <p>
        <strong>Kantiv could not sign in with these details.</strong> {plain}
      </p>
      {error && (
        <details>
          <summary>Details from Microsoft</summary>
          <p>
            Code: <code>{aadsts ?? error.code}</code>
            {ids ? ` · ${ids}` : ''}
          </p>
          <p className="muted">{error.message}</p>
        </details>
      )}
    </div>
  );
}

import { useEffect } from 'react';
import { Link, useNavigate, useRevalidator } from 'react-router';
import { CopyableValue } from '../../../components/copy-button.tsx';
import { externalLinks, paths } from '../../../config/paths.ts';
import { useWizard } from '../hooks/use-wizard.ts';
import { saveChoices } from '../lib/wizard-memory.ts';

const POLL_MS = 2000;

function formatDate(iso: string | undefined): string | undefined {
  return iso
    ? new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' })
    : undefined;
}

export function DonePage() {
  const { setup, choices } = useWizard();
  const revalidator = useRevalidator();
  const navigate = useNavigate();
  const verification = setup.verification;
  const final =
    setup.state === 'verified' ||
    setup.state === 'failed' ||
    verification?.status === 'succeeded' ||
    verification?.status === 'failed';

  // Kantiv's verification runs on the server; re-read the setup until it has a final answer.
  useEffect(() => {
    if (final) return;
    const timer = window.setTimeout(() => void revalidator.revalidate(), POLL_MS);
    return () => window.clearTimeout(timer);
  }, [final, revalidator, setup]);

  const verified = setup.state === 'verified' || verification?.status === 'succeeded';
  const environmentUrl = setup.environmentUrl ?? choices.environmentUrl;

  return (
    <>
      <h1 tabIndex={-1}>{verified ? 'Connected' : 'Set up — Kantiv is verifying the connection'}</h1>
      <section
        className={`notice ${verified ? 'notice--ok' : final ? 'notice--error' : 'notice--info'}`}
        aria-live="polite"
        data-testid="verification"
        data-state={setup.state}
      >
        {verified && (
          <p>Kantiv signed in with the new credential and read every table it needs. You are done.</p>
        )}
        {!final && (
          <p>
            Kantiv is signing in with the new credential and reading each table
            {verification?.status === 'waiting'
              ? ' (waiting for Microsoft to finish replicating the new app)'
              : ''}
            … this page updates by itself.
          </p>
        )}
        {final && !verified && (
          <>
            <p>
              <strong>Kantiv could not verify the connection.</strong> {verification?.error?.message}
            </p>
            {verification?.error?.fix && <p>{verification.error.fix}</p>}
            <p className="actions">
              <button
                type="button"
                className="button button--primary"
                onClick={() => {
                  saveChoices(setup.id, { rerun: true });
                  void navigate(paths.setup.step(setup.id, 'run'));
                }}
              >
                Run it again
              </button>
              <Link to={paths.setup.manual(setup.id)}>Check the values by hand</Link>
            </p>
            <p>Running it again repairs what is missing and creates nothing twice.</p>
          </>
        )}
        {verification?.tables && verification.tables.length > 0 && (
          <ul className="probe-list">
            {verification.tables.map((t) => (
              <li key={t.table}>
                {t.ok ? '✓' : '✕'} {t.table}
                {t.error ? ` — ${t.error.message}` : ''}
              </li>
            ))}
          </ul>
        )}
      </section>

      <h2>Connection details</h2>
      <p>
        Nothing here is secret. The client secret went straight to Kantiv&rsquo;s encrypted vault and is not
        shown.
      </p>
      <dl className="details">
        {setup.tenantId && (
          <CopyableValue label="Directory (tenant) ID" value={setup.tenantId} testId="done-tenant" />
        )}
        {setup.clientId && (
          <CopyableValue label="Application (client) ID" value={setup.clientId} testId="done-client" />
        )}
        {environmentUrl && (
          <CopyableValue label="Environment" value={environmentUrl} testId="done-environment" />
        )}
        {setup.applicationUserId && (
          <CopyableValue label="Application user ID" value={setup.applicationUserId} testId="done-app-user" />
        )}
        {setup.roleName && <CopyableValue label="Security role" value={setup.roleName} testId="done-role" />}
        {setup.secretExpiresAt && (
          <CopyableValue
            label="Secret expires"
            value={formatDate(setup.secretExpiresAt) ?? setup.secretExpiresAt}
            testId="done-expiry"
          />
        )}
      </dl>

      <h2>See it in Microsoft&rsquo;s admin centers</h2>
      <ul>
        {setup.clientId && (
          <li>
            <a href={externalLinks.entraAppOverview(setup.clientId)} target="_blank" rel="noreferrer">
              The app registration in the Microsoft Entra admin center (opens in a new tab)
            </a>
          </li>
        )}
        <li>
          <a
            href={externalLinks.powerPlatformEnvironment(choices.environmentId)}
            target="_blank"
            rel="noreferrer"
          >
            The environment in the Power Platform admin center (opens in a new tab)
          </a>
        </li>
      </ul>
    </>
  );
}

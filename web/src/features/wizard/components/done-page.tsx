import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useRevalidator } from 'react-router';
import { CopyableValue } from '../../../components/copy-button.tsx';
import { externalLinks, paths } from '../../../config/paths.ts';
import { useCopyWords } from '../hooks/use-copy-words.ts';
import { useWizard } from '../hooks/use-wizard.ts';
import { saveChoices } from '../lib/wizard-memory.ts';

const POLL_MS = 2000;

export function DonePage() {
  const { t } = useTranslation();
  const words = useCopyWords();
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
  const certificate = setup.credentialKind === 'certificate';
  // What the run's credential step said (e.g. a policy that shortened the certificate or refused it): the run page
  // moves on to this one as soon as the run ends, so the admin reads it here. The engine's own words (English).
  const credentialNote = setup.steps.find(
    (s) => s.step === 'credential' && s.status === 'succeeded',
  )?.message;

  return (
    <>
      <h1 tabIndex={-1}>{verified ? t('done.connected') : t('done.verifyingTitle')}</h1>
      <section
        className={`notice ${verified ? 'notice--ok' : final ? 'notice--error' : 'notice--info'}`}
        aria-live="polite"
        data-testid="verification"
        data-state={setup.state}
      >
        {verified && <p>{t('done.verified')}</p>}
        {!final && (
          <p>{verification?.status === 'waiting' ? t('done.verifyingReplication') : t('done.verifying')}</p>
        )}
        {final && !verified && (
          <>
            <p>
              <strong>{t('done.notVerified')}</strong> <span lang="en">{verification?.error?.message}</span>
            </p>
            {verification?.error?.fix && <p lang="en">{verification.error.fix}</p>}
            <p className="actions">
              <button
                type="button"
                className="button button--primary"
                onClick={() => {
                  saveChoices(setup.id, { rerun: true });
                  void navigate(paths.setup.step(setup.id, 'run'));
                }}
              >
                {t('done.runAgain')}
              </button>
              <Link to={paths.setup.manual(setup.id)}>{t('done.checkByHand')}</Link>
            </p>
            <p>{t('done.runAgainNote')}</p>
          </>
        )}
        {verification?.tables && verification.tables.length > 0 && (
          <ul className="probe-list">
            {verification.tables.map((probe) => (
              <li key={probe.table}>
                {probe.ok ? '✓' : '✕'} <span translate="no">{probe.table}</span>
                {probe.error ? <span lang="en"> — {probe.error.message}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </section>

      <h2>{t('done.detailsHeading')}</h2>
      <p>{certificate ? t('done.nothingSecretCertificate') : t('done.nothingSecret')}</p>
      <dl className="details">
        {setup.tenantId && (
          <CopyableValue
            label={t('done.tenantId')}
            words={words}
            value={setup.tenantId}
            testId="done-tenant"
          />
        )}
        {setup.clientId && (
          <CopyableValue
            label={t('done.clientId')}
            words={words}
            value={setup.clientId}
            testId="done-client"
          />
        )}
        {environmentUrl && (
          <CopyableValue
            label={t('done.environment')}
            words={words}
            value={environmentUrl}
            testId="done-environment"
          />
        )}
        {setup.applicationUserId && (
          <CopyableValue
            label={t('done.appUserId')}
            words={words}
            value={setup.applicationUserId}
            testId="done-app-user"
          />
        )}
        {setup.roleName && (
          <CopyableValue
            label={t('done.securityRole')}
            words={words}
            value={setup.roleName}
            testId="done-role"
          />
        )}
        {setup.credentialKind && (
          <div className="copyable">
            <dt>{t('done.credential')}</dt>
            <dd data-testid="done-credential">
              {certificate ? t('done.credentialCertificate') : t('done.credentialSecret')}
            </dd>
          </div>
        )}
        {setup.secretExpiresAt && (
          <CopyableValue
            label={certificate ? t('done.certificateExpires') : t('done.secretExpires')}
            words={words}
            value={t('done.expiresOn', { date: new Date(setup.secretExpiresAt) })}
            testId="done-expiry"
          />
        )}
      </dl>
      {credentialNote && (
        <p data-testid="done-credential-note">
          {t('done.credentialNote')} <span lang="en">{credentialNote}</span>
        </p>
      )}

      <h2>{t('done.adminCenters')}</h2>
      <ul>
        {setup.clientId && (
          <li>
            <a href={externalLinks.entraAppOverview(setup.clientId)} target="_blank" rel="noreferrer">
              {t('done.entraLink')}
            </a>
          </li>
        )}
        <li>
          <a
            href={externalLinks.powerPlatformEnvironment(choices.environmentId)}
            target="_blank"
            rel="noreferrer"
          >
            {t('done.ppacLink')}
          </a>
        </li>
      </ul>
    </>
  );
}

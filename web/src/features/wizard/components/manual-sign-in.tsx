import { useTranslation } from 'react-i18next';
import { useRevalidator } from 'react-router';
import { ApiClientError } from '../../../lib/api-client.ts';
import { bindIdentity } from '../api/bind-identity.ts';
import { useAdminSignIn } from '../hooks/use-admin-sign-in.ts';
import { useWizard } from '../hooks/use-wizard.ts';
import { saveChoices } from '../lib/wizard-memory.ts';
import { signInProblemWords } from '../lib/problem-words.ts';

/**
 * Kantiv accepts a credential only for the tenant the admin proved with a Microsoft sign-in, so the manual path too
 * starts with one (any account of the tenant will do; no roles are needed for this).
 */
export function ManualSignIn({ onSignedIn }: { onSignedIn: (tenantId: string) => void }) {
  const { t } = useTranslation();
  const { setup, config, choices } = useWizard();
  const revalidator = useRevalidator();
  const { busy, problem, signIn } = useAdminSignIn({
    config,
    tenant: setup.tenantId ?? setup.expectedTenantDomain,
    nonce: setup.signInNonce,
    // Before the welcome page nobody can be signed in in this tab, so there is no redirect to finish.
    finishRedirect: Boolean(choices.welcomed),
    onIdToken: async (idToken) => {
      try {
        const identity = await bindIdentity(idToken);
        onSignedIn(identity.tenantId);
        await revalidator.revalidate();
        return undefined;
      } catch (err) {
        return {
          kind: 'other',
          code: err instanceof ApiClientError ? err.code : 'unknown',
          message: err instanceof ApiClientError ? err.message : t('manual.signInFailed'),
        };
      }
    },
  });

  return (
    <section className="notice notice--info" aria-labelledby="manual-sign-in-title">
      <h2 id="manual-sign-in-title">{t('manual.signInTitle')}</h2>
      <p>{t('manual.signInBody')}</p>
      {problem && (
        <p className="field-error" role="alert" lang={signInProblemWords(problem, t).lang}>
          {signInProblemWords(problem, t).text}
        </p>
      )}
      <button
        type="button"
        className="button button--primary"
        disabled={busy}
        onClick={() => {
          saveChoices(setup.id, { welcomed: true });
          void signIn();
        }}
      >
        {busy ? t('common.waitingForMicrosoft') : t('common.signInWithMicrosoft')}
      </button>
    </section>
  );
}

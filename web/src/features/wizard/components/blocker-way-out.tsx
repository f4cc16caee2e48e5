import { useTranslation } from 'react-i18next';
import { useNavigate, useRevalidator } from 'react-router';
import { paths } from '../../../config/paths.ts';
import { useWizard } from '../hooks/use-wizard.ts';
import { forgetEngine } from '../lib/engine-session.ts';
import { ForwardSetup } from './forward-setup.tsx';

/**
 * The ways on from a blocker the signed-in admin cannot fix alone (a missing Entra role, not System Administrator,
 * the wrong tenant): hand the setup to a colleague, sign in as someone else, or check again once the role is there.
 */
export function BlockerWayOut() {
  const { t } = useTranslation();
  const { setup } = useWizard();
  const navigate = useNavigate();
  const revalidator = useRevalidator();
  const busy = revalidator.state === 'loading';

  async function checkAgain() {
    const auth = await import('../lib/auth.ts');
    await auth.refreshSignIn().catch(() => undefined);
    forgetEngine(setup.id);
    await revalidator.revalidate();
  }

  async function anotherAccount() {
    const auth = await import('../lib/auth.ts');
    await auth.signOut();
    await navigate(paths.setup.step(setup.id, 'sign-in'));
  }

  return (
    <section className="way-out" aria-labelledby="way-out-title" data-testid="blocker-way-out">
      <h2 id="way-out-title">{t('wayOut.title')}</h2>
      <p>{t('wayOut.forward')}</p>
      <ForwardSetup setupId={setup.id} />
      <p className="actions">
        <button type="button" className="button button--secondary" onClick={() => void anotherAccount()}>
          {t('wayOut.anotherAccount')}
        </button>
        <button
          type="button"
          className="button button--secondary"
          disabled={busy}
          onClick={() => void checkAgain()}
        >
          {busy ? t('wayOut.checking') : t('wayOut.checkAgain')}
        </button>
      </p>
    </section>
  );
}

import { useTranslation } from 'react-i18next';
import { CopyButton } from '../../../components/copy-button.tsx';
import { paths } from '../../../config/paths.ts';
import { useCopyWords } from '../hooks/use-copy-words.ts';
import { ENTRA_ROLE_NAMES } from '../lib/naming.ts';
import { getSetupToken } from '../lib/setup-token.ts';

/**
 * The invite link as Kantiv sent it, for a colleague who holds the roles (copy, or an e-mail ready to send, in the
 * page's language); it carries the invite, never a secret. Nothing is shown when this tab has no invite token.
 */
export function ForwardSetup({ setupId }: { setupId: string }) {
  const { t } = useTranslation();
  const words = useCopyWords();
  const token = getSetupToken();
  if (!token) return null;
  const inviteLink = `${window.location.origin}${paths.setup.root(setupId)}#token=${token}`;
  const mailto = `mailto:?subject=${encodeURIComponent(t('forward.subject'))}&body=${encodeURIComponent(
    t('forward.body', { ...ENTRA_ROLE_NAMES, link: inviteLink }),
  )}`;
  return (
    <p className="actions" data-testid="forward-setup">
      <CopyButton value={inviteLink} label={t('forward.inviteLink')} words={words} />
      <a className="button button--secondary" href={mailto}>
        {t('forward.email')}
      </a>
    </p>
  );
}

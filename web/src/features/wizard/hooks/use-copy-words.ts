import { useTranslation } from 'react-i18next';
import type { CopyWords } from '../../../components/copy-button.tsx';

/** The copy buttons' words in the page's language. */
export function useCopyWords(): CopyWords {
  const { t } = useTranslation();
  return {
    copy: t('common.copy'),
    copied: t('common.copied'),
    valueCopied: (label) => t('common.valueCopied', { label }),
  };
}

import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/** Every wizard page names itself in the browser tab and to screen readers, in the page's language. */
export function usePageTitle(page: string): void {
  const { t } = useTranslation();
  const title = t('shell.pageTitle', { page });
  useEffect(() => {
    document.title = title;
  }, [title]);
}

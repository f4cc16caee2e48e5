import { useEffect } from 'react';

/** Each console page names itself in the tab and in the history, and screen readers announce it on navigation. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Kantiv Connect console`;
  }, [title]);
}

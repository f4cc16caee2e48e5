import type { ReactNode } from 'react';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { LanguageSwitch } from './language-switch.tsx';

/**
 * The frame of a wizard page that stands outside the steps (an invite that cannot be used, the admin-consent
 * return): brand, language switch and one heading that is also the document title. Such pages have no setup to name.
 */
export function StandalonePage({
  title,
  testId,
  children,
}: {
  title: string;
  testId: string;
  children: ReactNode;
}) {
  usePageTitle(title);
  return (
    <div className="wizard">
      <header className="wizard__header">
        <p className="brand" translate="no">
          Kantiv Connect
        </p>
        <LanguageSwitch />
      </header>
      <main id="main" className="wizard__main" data-testid={testId}>
        <h1>{title}</h1>
        {children}
      </main>
    </div>
  );
}

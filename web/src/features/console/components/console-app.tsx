import { Navigate, Route, Routes } from 'react-router';
import type { ClientConfig } from '@kantiv/shared/client-config';
import { ConsoleContext } from '../hooks/use-console.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';
import { ApiKeysPage } from './api-keys-page.tsx';
import { AuditLogPage } from './audit-log-page.tsx';
import { ConsoleLayout } from './console-layout.tsx';
import { NewSetupPage } from './new-setup-page.tsx';
import { NoAccessPage } from './no-access-page.tsx';
import { SetupDetailPage } from './setup-detail-page.tsx';
import { SetupsListPage } from './setups-list-page.tsx';
import { SignInPage } from './sign-in-page.tsx';
import { WebhooksPage } from './webhooks-page.tsx';
import '../console.css';

/** The console behind its sign-in: who may see what is decided here, once, from the staff roles. */
export function ConsoleApp({ auth, config }: { auth: StaffAuth; config: ClientConfig }) {
  const { session } = auth;
  if (!session) return <SignInPage onSignIn={auth.signIn} />;
  if (!session.access.canRead) return <NoAccessPage session={session} onSignOut={auth.signOut} />;
  return (
    <ConsoleContext value={{ auth, session, config }}>
      <Routes>
        <Route element={<ConsoleLayout />}>
          <Route index element={<Navigate to="setups" replace />} />
          <Route path="setups" element={<SetupsListPage />} />
          <Route path="setups/new" element={<NewSetupPage />} />
          <Route path="setups/:id" element={<SetupDetailPage />} />
          <Route path="api-keys" element={<ApiKeysPage />} />
          <Route path="webhooks" element={<WebhooksPage />} />
          <Route path="audit" element={<AuditLogPage />} />
          <Route
            path="*"
            element={
              <>
                <h1>Page not found</h1>
                <p>This console page does not exist.</p>
              </>
            }
          />
        </Route>
      </Routes>
    </ConsoleContext>
  );
}

import type { ClientConfig } from '@kantiv/shared/client-config';
import { ConsoleContext } from '../hooks/use-console.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';
import { ConsoleLayout } from './console-layout.tsx';
import { NoAccessPage } from './no-access-page.tsx';
import { SignInPage } from './sign-in-page.tsx';
import '../console.css';

/**
 * The console behind its sign-in: who may see what is decided here, once, from the staff roles. Its pages are the
 * router's children of `/console` (see `app/router.tsx`), rendered in the layout's outlet.
 */
export function ConsoleApp({ auth, config }: { auth: StaffAuth; config: ClientConfig }) {
  const { session } = auth;
  if (!session) return <SignInPage onSignIn={auth.signIn} />;
  if (!session.access.canRead) return <NoAccessPage session={session} onSignOut={auth.signOut} />;
  return (
    <ConsoleContext value={{ auth, session, config }}>
      <ConsoleLayout />
    </ConsoleContext>
  );
}

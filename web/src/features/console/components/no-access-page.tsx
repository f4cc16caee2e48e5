import { usePageTitle } from '../hooks/use-page-title.ts';
import type { StaffSession } from '../lib/staff-auth.ts';

/** Signed in to Kantiv's tenant but holding neither console role. */
export function NoAccessPage({
  session,
  onSignOut,
}: {
  session: StaffSession;
  onSignOut: () => Promise<void>;
}) {
  usePageTitle('No access');
  return (
    <main className="console-narrow">
      <h1>No access to the support console</h1>
      <p>
        You are signed in as <strong>{session.username}</strong>, but your account has no Kantiv Connect role.
      </p>
      <p>
        Ask a Kantiv Connect administrator to assign you <strong>Connect.Read</strong> (see every setup) or{' '}
        <strong>Connect.Manage</strong> (also create, revoke, extend and re-verify setups) in Kantiv&apos;s
        Microsoft Entra tenant, then sign in again.
      </p>
      <button type="button" onClick={() => void onSignOut()}>
        Sign out
      </button>
    </main>
  );
}

import { useRevalidator } from 'react-router';
import { BlockerList } from './blocker-list.tsx';
import { AwaitedStep } from './awaited-step.tsx';
import { BlockerWayOut } from './blocker-way-out.tsx';
import { EnvironmentChoices } from './environment-choices.tsx';
import type { DiscoverySummary } from '@kantiv/provisioning';

/** Discovery streams in: the heading shows at once, the checks and environments when Microsoft has answered. */
export function EnvironmentPage({ discovery }: { discovery: Promise<DiscoverySummary> | undefined }) {
  return (
    <AwaitedStep
      title="Check permissions and choose the environment"
      waiting="Checking your roles and listing your Dynamics 365 environments…"
      resolve={discovery}
      failed={<DiscoveryFailed />}
    >
      {(d) => <EnvironmentForm discovery={d} />}
    </AwaitedStep>
  );
}

function DiscoveryFailed() {
  return (
    <div className="notice notice--error" role="alert">
      <p>Kantiv Connect could not read your tenant. Reload the page to try again.</p>
    </div>
  );
}

/**
 * Microsoft wants the admin to sign in again before Dynamics 365 answers (typically Conditional Access asking for
 * multi-factor authentication for it), and the browser blocked the window because no click opened it. A click
 * here lists the environments again; MSAL opens the window from that click, which popup blockers allow.
 */
function SignInAgain() {
  const revalidator = useRevalidator();
  const busy = revalidator.state === 'loading';
  return (
    <div className="notice notice--warn" role="alert" data-testid="sign-in-again">
      <p>
        Microsoft asks you to sign in again for Dynamics 365 (your organization may require multi-factor
        authentication for it), and your browser blocked the Microsoft window. Press the button: the window
        opens from your click. If it still does not open, allow pop-ups for this site.
      </p>
      <button type="button" onClick={() => void revalidator.revalidate()} disabled={busy}>
        {busy ? 'Waiting for Microsoft…' : 'Sign in to Dynamics 365'}
      </button>
    </div>
  );
}

function EnvironmentForm({ discovery }: { discovery: DiscoverySummary }) {
  return (
    <>
      <BlockerList blockers={discovery.blockers} title="Before you can continue" />
      {discovery.blockers.length > 0 && <BlockerWayOut />}
      {discovery.blockers.length === 0 && (
        <p className="notice notice--ok" data-testid="preflight-ok">
          Signed in as <strong>{discovery.username}</strong> (tenant <code>{discovery.tenantId}</code>). You
          can create app registrations.
        </p>
      )}
      {discovery.signInBlocked ? (
        <SignInAgain />
      ) : (
        discovery.environmentsError && (
          <p className="notice notice--warn">
            {discovery.environmentsError} You can still type the address of your environment.
          </p>
        )
      )}
      <EnvironmentChoices discovery={discovery} />
    </>
  );
}

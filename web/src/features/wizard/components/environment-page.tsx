import { useState } from 'react';
import { useNavigate, useRevalidator } from 'react-router';
import { paths } from '../../../config/paths.ts';
import { BlockerList } from './blocker-list.tsx';
import { getEngine } from '../lib/engine-session.ts';
import { AwaitedStep } from './awaited-step.tsx';
import { RadioChoice } from './radio-choice.tsx';
import type { Blocker, DiscoverySummary, EnvironmentChoice } from '@kantiv/provisioning';
import { useWizard } from '../hooks/use-wizard.ts';
import { saveChoices } from '../lib/wizard-memory.ts';

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

const OTHER = '__other__';

/** `https://<org>.crm<N>.dynamics.com` and friends; the engine re-checks the host against Global Discovery. */
function normaliseEnvironmentUrl(input: string): string | undefined {
  const trimmed = input.trim();
  if (!trimmed) return undefined;
  try {
    const url = new URL(/^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
    if (url.protocol !== 'https:' || !url.hostname.includes('.')) return undefined;
    return `https://${url.host}`;
  } catch {
    return undefined;
  }
}

function EnvironmentForm({ discovery }: { discovery: DiscoverySummary }) {
  const { setup, config, choices } = useWizard();
  const navigate = useNavigate();
  const preselected =
    discovery.environments.find((e) => e.url === choices.environmentUrl)?.url ??
    discovery.environments.find((e) => setup.environmentHint && e.url.includes(setup.environmentHint))?.url ??
    (discovery.environments.length === 1 ? discovery.environments[0]?.url : undefined);
  const [selected, setSelected] = useState<string | undefined>(
    preselected ?? (discovery.environments.length === 0 ? OTHER : undefined),
  );
  const [typed, setTyped] = useState(choices.environmentUrl && !preselected ? choices.environmentUrl : '');
  const [typedError, setTypedError] = useState<string | undefined>();
  const [blockers, setBlockers] = useState<Blocker[]>([]);
  const [checking, setChecking] = useState(false);

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    setBlockers([]);
    let environment: EnvironmentChoice | undefined;
    if (selected === OTHER) {
      const url = normaliseEnvironmentUrl(typed);
      if (!url) {
        setTypedError('Enter the address of your environment, like https://contoso.crm.dynamics.com');
        return;
      }
      environment = discovery.environments.find((e) => e.url === url) ?? { url, name: url };
    } else {
      environment = discovery.environments.find((e) => e.url === selected);
    }
    if (!environment) {
      setTypedError(undefined);
      setBlockers([
        {
          code: 'no_environment',
          message: 'Choose an environment.',
          fix: 'Pick one from the list or type its address.',
        },
      ]);
      return;
    }
    setChecking(true);
    try {
      const engine = await getEngine(config, setup);
      const check = await engine.checkEnvironment(environment.url, new AbortController().signal);
      if (check.blockers.length > 0) {
        setBlockers(check.blockers);
        return;
      }
      saveChoices(setup.id, {
        environmentUrl: check.environment.url,
        environmentName: check.environment.name,
        ...(check.environment.environmentId ? { environmentId: check.environment.environmentId } : {}),
      });
      await navigate(paths.setup.step(setup.id, 'plan'));
    } catch (err) {
      setBlockers([
        {
          code: 'check_failed',
          message: err instanceof Error ? err.message : 'The environment could not be checked.',
          fix: 'Check the address and try again.',
        },
      ]);
    } finally {
      setChecking(false);
    }
  }

  return (
    <>
      <BlockerList blockers={discovery.blockers} title="Before you can continue" />
      {discovery.blockers.length === 0 && (
        <p className="notice notice--ok" data-testid="preflight-ok">
          Signed in as <strong>{discovery.username}</strong> (tenant <code>{discovery.tenantId}</code>). You
          can create app registrations.
        </p>
      )}
      <form onSubmit={(e) => void onSubmit(e)} noValidate>
        <fieldset>
          <legend>Dynamics 365 environment to connect</legend>
          {discovery.signInBlocked ? (
            <SignInAgain />
          ) : (
            discovery.environmentsError && (
              <p className="notice notice--warn">
                {discovery.environmentsError} You can still type the address of your environment.
              </p>
            )
          )}
          {discovery.environments.map((env) => (
            <RadioChoice
              key={env.url}
              id={`env-${env.url}`}
              name="environment"
              value={env.url}
              checked={selected === env.url}
              onChange={() => setSelected(env.url)}
              describedBy={`env-${env.url}-desc`}
              label={
                <>
                  <strong>{env.name}</strong> <span className="muted">{env.url}</span>
                </>
              }
            >
              <p id={`env-${env.url}-desc`} className={env.isUserSysAdmin === false ? 'warn' : 'muted'}>
                {env.isUserSysAdmin === false
                  ? 'You are not System Administrator here: a System Administrator of this environment must run the setup.'
                  : env.isUserSysAdmin
                    ? 'You are System Administrator here.'
                    : ''}
                {env.region ? ` Region: ${env.region}.` : ''}
              </p>
            </RadioChoice>
          ))}
          <RadioChoice
            id="env-other"
            name="environment"
            value={OTHER}
            checked={selected === OTHER}
            onChange={() => setSelected(OTHER)}
            label="Another environment (type its address)"
          />
          {selected === OTHER && (
            <div className="field">
              <label htmlFor="env-url">Environment address</label>
              <input
                id="env-url"
                type="url"
                inputMode="url"
                autoComplete="url"
                placeholder="https://contoso.crm.dynamics.com"
                value={typed}
                aria-invalid={typedError ? true : undefined}
                aria-describedby={typedError ? 'env-url-error' : 'env-url-hint'}
                onChange={(e) => {
                  setTyped(e.target.value);
                  setTypedError(undefined);
                }}
              />
              <p id="env-url-hint" className="muted">
                Find it in the Power Platform admin center, under Environments → your environment →
                Environment URL.
              </p>
              {typedError && (
                <p id="env-url-error" className="field-error">
                  {typedError}
                </p>
              )}
            </div>
          )}
        </fieldset>
        <BlockerList blockers={blockers} title="This environment cannot be used yet" />
        <p className="actions">
          <button
            type="submit"
            className="button button--primary"
            disabled={checking || discovery.blockers.length > 0}
          >
            {checking ? 'Checking the environment…' : 'Continue to the plan'}
          </button>
        </p>
      </form>
    </>
  );
}

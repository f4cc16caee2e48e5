import { Link, useNavigate, useRevalidator } from 'react-router';
import { paths } from '../../../config/paths.ts';
import { BlockerList } from './blocker-list.tsx';
import { PrivilegesTable } from './privileges-table.tsx';
import type { PlanAction, PlanSummary } from '@kantiv/provisioning';
import { useWizard } from '../hooks/use-wizard.ts';
import { saveChoices } from '../lib/wizard-memory.ts';
import { AwaitedStep } from './awaited-step.tsx';
import { RadioChoice } from './radio-choice.tsx';

/** The plan streams in: what the run will create, reuse or change, and the choices that change it. */
export function PlanPage({ review }: { review: Promise<PlanSummary> | undefined }) {
  return (
    <AwaitedStep
      title="Review the plan"
      waiting="Looking at what already exists in your tenant and environment…"
      resolve={review}
      failed={<PlanFailed />}
    >
      {(plan) => <PlanReview plan={plan} />}
    </AwaitedStep>
  );
}

function PlanFailed() {
  const { setup } = useWizard();
  return (
    <div className="notice notice--error" role="alert">
      <p>The plan could not be prepared. Reload the page to try again.</p>
      <p>
        <Link to={paths.setup.step(setup.id, 'environment')}>Choose another environment</Link>
      </p>
    </div>
  );
}

const ACTION_WORDS: Record<PlanAction, string> = {
  create: 'Create',
  reuse: 'Reuse',
  update: 'Update',
  check: 'Check',
  send: 'Send',
  none: 'Nothing to do',
  blocked: 'Blocked',
};

const LIFETIMES = [12, 15, 18, 21, 24];

function PlanReview({ plan }: { plan: PlanSummary }) {
  const { setup } = useWizard();
  const navigate = useNavigate();
  const revalidator = useRevalidator();
  const role = plan.choices.role;
  const busy = revalidator.state === 'loading';

  function change(patch: Parameters<typeof saveChoices>[1]) {
    saveChoices(setup.id, patch);
    void revalidator.revalidate();
  }

  return (
    <>
      <p className="lead">
        In <strong>{plan.choices.environment.name}</strong> (<code>{plan.choices.environment.url}</code>),
        Kantiv Connect will:
      </p>
      <ol className="plan" data-testid="plan-items">
        {plan.items.map((item) => (
          <li key={`${item.step}-${item.title}`}>
            <span className={`badge badge--${item.action}`}>{ACTION_WORDS[item.action]}</span>{' '}
            <strong>{item.title}</strong>
            <br />
            <span className="muted">{item.detail}</span>
          </li>
        ))}
      </ol>

      <form onSubmit={(e) => e.preventDefault()}>
        <fieldset>
          <legend>Client secret lifetime</legend>
          <div className="field">
            <label htmlFor="lifetime">Valid for</label>
            <select
              id="lifetime"
              value={plan.choices.secretLifetimeMonths}
              disabled={busy}
              onChange={(e) => change({ secretLifetimeMonths: Number(e.target.value) })}
              aria-describedby="lifetime-hint"
            >
              {LIFETIMES.map((m) => (
                <option key={m} value={m}>
                  {m} months
                </option>
              ))}
            </select>
            <p id="lifetime-hint" className="muted">
              Between 12 and 24 months. If your tenant&rsquo;s policy allows less, the secret is shortened
              automatically and the run says so. Kantiv reminds you before it expires.
            </p>
          </div>
        </fieldset>

        <fieldset>
          <legend>Security role for the application user</legend>
          <RadioChoice
            id="role-create"
            name="role"
            checked={role.kind === 'create'}
            disabled={busy}
            onChange={() => change({ role: { kind: 'create' } })}
            label={
              <>
                Use the least-privilege role <strong>{plan.roleName}</strong> (recommended)
              </>
            }
          />
          <RadioChoice
            id="role-existing"
            name="role"
            checked={role.kind === 'existing'}
            disabled={busy || plan.roles.length === 0}
            onChange={() => {
              const first = plan.roles[0];
              if (first) change({ role: { kind: 'existing', roleId: first.roleId, roleName: first.name } });
            }}
            label="Use an existing role of this environment"
          />
          {role.kind === 'existing' && (
            <div className="field">
              <label htmlFor="existing-role">Existing role</label>
              <select
                id="existing-role"
                value={role.roleId}
                disabled={busy}
                onChange={(e) => {
                  const picked = plan.roles.find((r) => r.roleId === e.target.value);
                  if (picked)
                    change({ role: { kind: 'existing', roleId: picked.roleId, roleName: picked.name } });
                }}
              >
                {plan.roles.map((r) => (
                  <option key={r.roleId} value={r.roleId}>
                    {r.name}
                  </option>
                ))}
              </select>
            </div>
          )}
        </fieldset>
      </form>

      {role.kind === 'create' ? (
        <PrivilegesTable
          tables={plan.privileges}
          caption={`Table privileges the role “${plan.roleName}” will hold`}
        />
      ) : plan.missingPrivileges.length > 0 ? (
        <section
          className="notice notice--warn"
          aria-labelledby="missing-title"
          data-testid="missing-privileges"
        >
          <h2 id="missing-title">“{role.roleName}” lacks what Kantiv needs</h2>
          <p>
            The connection would fail on these privileges. Add them to the role, or use the least-privilege
            role.
          </p>
          <ul>
            {plan.missingPrivileges.map((p) => (
              <li key={p}>
                <code>{p}</code>
              </li>
            ))}
          </ul>
        </section>
      ) : (
        <p className="notice notice--ok">“{role.roleName}” grants every privilege Kantiv needs.</p>
      )}

      <BlockerList blockers={plan.blockers} title="Before you can connect" />

      <p className="actions">
        <button
          type="button"
          className="button button--primary"
          disabled={
            busy ||
            plan.blockers.length > 0 ||
            (role.kind === 'existing' && plan.missingPrivileges.length > 0)
          }
          onClick={() => {
            saveChoices(setup.id, { runStarted: true });
            void navigate(paths.setup.step(setup.id, 'run'));
          }}
        >
          Connect
        </button>
        <Link to={paths.setup.step(setup.id, 'environment')}>Choose another environment</Link>
      </p>
    </>
  );
}

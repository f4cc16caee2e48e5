import { Link, useNavigate, useRevalidator } from 'react-router';
import { paths } from '../../../config/paths.ts';
import { BlockerList } from './blocker-list.tsx';
import { CredentialChoice } from './credential-choice.tsx';
import { PlanDiagram } from './plan-diagram.tsx';
import { RoleChoice, RolePrivileges } from './role-choice.tsx';
import type { PlanAction, PlanSummary } from '@kantiv/provisioning';
import { useWizard } from '../hooks/use-wizard.ts';
import { saveChoices } from '../lib/wizard-memory.ts';
import { AwaitedStep } from './awaited-step.tsx';

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

function PlanReview({ plan }: { plan: PlanSummary }) {
  const { setup, account } = useWizard();
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
      <PlanDiagram plan={plan} tenant={account?.username.split('@')[1] ?? setup.tenantId} />
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
        <CredentialChoice plan={plan} busy={busy} onChange={change} />

        <RoleChoice plan={plan} busy={busy} onChange={(r) => change({ role: r })} />
      </form>

      <RolePrivileges plan={plan} />

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

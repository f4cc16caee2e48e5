import type { Manifest } from '@kantiv/shared/manifest';
import { APP_DISPLAY_NAME } from '@kantiv/shared/naming';
import type { StepError } from '@kantiv/shared/steps';
import type { EngineChoices } from '../engine.ts';
import { POPUP_BLOCKED_CODES } from '../errors.ts';
import type { ApplyResult, EnvironmentOption, Plan } from '../types.ts';
import type {
  Blocker,
  DiscoverySummary,
  EnvironmentCheck,
  EnvironmentChoice,
  PlanChoices,
  PlanSummary,
  RunResult,
} from './types.ts';

/** Thrown by the wizard's `apply()` when the engine stops on a step; the run page shows its message and fix. */
export class RunFailedError extends Error {
  constructor(readonly stepError: StepError) {
    super(stepError.message);
    this.name = 'RunFailedError';
  }
}

/** The admin's choices as the engine's configuration. */
export function toEngineChoices(choices: PlanChoices): EngineChoices {
  return {
    environmentUrl: choices.environment.url,
    role:
      choices.role.kind === 'create' ? { mode: 'create' } : { mode: 'existing', roleId: choices.role.roleId },
    secretLifetimeMonths: choices.secretLifetimeMonths,
    ...(choices.credentialKind ? { credentialKind: choices.credentialKind } : {}),
  };
}

export function toBlocker(error: StepError): Blocker {
  return {
    code: error.code,
    message: error.message,
    fix: error.fix ?? 'Contact Kantiv support with this message.',
    ...(error.text ? { text: error.text } : {}),
  };
}

export function toEnvironmentChoice(env: EnvironmentOption): EnvironmentChoice {
  return {
    url: env.url,
    name: env.name,
    ...(env.organizationId ? { environmentId: env.organizationId } : {}),
    ...(env.tenantId ? { tenantId: env.tenantId } : {}),
    ...(env.isUserSysAdmin === null ? {} : { isUserSysAdmin: env.isUserSysAdmin }),
  };
}

/** `fallbackUsername`: the signed-in account's name when the token carried none. */
export function summarizeDiscovery(plan: Plan, fallbackUsername: string): DiscoverySummary {
  const d = plan.discovery;
  return {
    tenantId: d.tenantId,
    username: d.user.userPrincipalName ?? d.user.displayName ?? fallbackUsername,
    blockers: plan.blockers.filter((b) => b.step === 'preflight').map(toBlocker),
    environments: d.environments.filter((e) => e.discovered).map(toEnvironmentChoice),
    ...(d.environmentsError ? { environmentsError: d.environmentsError.message } : {}),
    ...(d.environmentsError && POPUP_BLOCKED_CODES.includes(d.environmentsError.code)
      ? { signInBlocked: true }
      : {}),
    ...(d.application ? { appClientId: d.application.clientId } : {}),
  };
}

export function summarizeEnvironmentCheck(plan: Plan, url: string): EnvironmentCheck {
  const d = plan.discovery;
  const blockers = plan.blockers.filter((b) => b.step === 'preflight' || b.step === 'environment');
  if (d.environmentError && !blockers.some((b) => b.code === d.environmentError?.code)) {
    blockers.push({ ...d.environmentError, step: 'environment' });
  }
  return {
    environment: d.environment ? toEnvironmentChoice(d.environment) : { url, name: url },
    blockers: blockers.map(toBlocker),
    roles: (d.dataverse?.roles ?? []).map((r) => ({ roleId: r.roleId, name: r.name })),
    ...(d.application ? { appClientId: d.application.clientId } : {}),
  };
}

export function summarizePlan(plan: Plan, choices: PlanChoices, manifest: Manifest): PlanSummary {
  const d = plan.discovery;
  return {
    choices: {
      ...choices,
      environment: d.environment
        ? { ...choices.environment, ...toEnvironmentChoice(d.environment) }
        : choices.environment,
    },
    items: plan.steps.map((s) => ({
      step: s.step,
      action: s.action,
      title: s.summary,
      detail: s.details.join(' '),
    })),
    credential: plan.credential,
    appName: APP_DISPLAY_NAME,
    roleName: choices.role.kind === 'create' ? manifest.roleName : choices.role.roleName,
    privileges: manifest.tables,
    missingPrivileges: choices.role.kind === 'existing' ? (d.dataverse?.missingPrivileges ?? []) : [],
    privilegesBeyond: choices.role.kind === 'existing' ? (d.dataverse?.privilegesBeyond ?? []) : [],
    entraRolesUnknown: d.canManageApplications === null,
    blockers: plan.blockers.map(toBlocker),
    roles: (d.dataverse?.roles ?? []).map((r) => ({ roleId: r.roleId, name: r.name })),
  };
}

/** The connection a finished run made; throws when the run was cancelled or stopped on a step. */
export function summarizeRun(result: ApplyResult, choices: PlanChoices, manifest: Manifest): RunResult {
  if (result.status === 'cancelled') throw new DOMException('The run was cancelled.', 'AbortError');
  if (result.status === 'failed') {
    throw new RunFailedError(
      result.error ?? { code: 'run_failed', message: 'The setup stopped before it finished.' },
    );
  }
  const o = result.outputs;
  return {
    tenantId: o.tenantId ?? '',
    clientId: o.clientId ?? '',
    environmentUrl: o.environmentUrl ?? choices.environment.url,
    ...(choices.environment.environmentId ? { environmentId: choices.environment.environmentId } : {}),
    applicationUserId: o.applicationUserId ?? '',
    roleName: o.roleName ?? (choices.role.kind === 'existing' ? choices.role.roleName : manifest.roleName),
    ...(o.secretExpiresAt ? { secretExpiresAt: o.secretExpiresAt } : {}),
  };
}

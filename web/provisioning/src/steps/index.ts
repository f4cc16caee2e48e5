import { apiPermission } from './api-permission.ts';
import { appRegistration } from './app-registration.ts';
import { applicationUser } from './application-user.ts';
import { credential } from './credential.ts';
import type { StepDefinition } from './definition.ts';
import { environment } from './environment.ts';
import { handoff } from './handoff.ts';
import { preflight } from './preflight.ts';
import { securityRole } from './security-role.ts';

export type { ApplyContext, StepDefinition, StepOutcome } from './definition.ts';

/** In the order of `STEP_IDS` (the manual guide's order), without the server's `verification`. */
export const STEPS: StepDefinition[] = [
  preflight,
  environment,
  appRegistration,
  apiPermission,
  credential,
  securityRole,
  applicationUser,
  handoff,
];

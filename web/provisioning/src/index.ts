/**
 * The provisioning engine's public face: what the wizard, the Playwright specs and the bench may use. Everything
 * else under `src/` is the engine's own business (tests inside this package may reach it by `../src/`).
 */
export {
  createEngine,
  ENGINE_STEP_IDS,
  STEP_DEPENDENCIES,
  STOPPED_MESSAGE,
  type Engine,
  type EngineChoices,
} from './engine.ts';
export type * from './types.ts';
export { emptySecretHolder, type SecretHolder } from './secret-holder.ts';
export type { HeldDepth, HeldPrivilege } from './privileges.ts';
export {
  tokenScope,
  type FetchLike,
  type RequestObservation,
  type RetryPolicy,
  type TokenProvider,
  type TokenResource,
} from './http/transport.ts';
export { BlockerError, MicrosoftApiError, POPUP_BLOCKED_CODES, TokenError, toStepError } from './errors.ts';
export type * from './view/types.ts';
export {
  RunFailedError,
  summarizeDiscovery,
  summarizeEnvironmentCheck,
  summarizePlan,
  summarizeRun,
  toEngineChoices,
} from './view/summarize.ts';
export {
  createDisconnectEngine,
  type DisconnectEngine,
  type DisconnectEngineOptions,
} from './disconnect/engine.ts';
export type { DisconnectPlan, DisconnectTarget } from './disconnect/plan.ts';

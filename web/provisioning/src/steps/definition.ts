import type { StepData } from '@kantiv/shared/events';
import type { StepError, StepId } from '@kantiv/shared/steps';
import type { Clients } from '../clients.ts';
import type { ResolvedConfig } from '../config.ts';
import type { DiscoverySession } from '../discovery/session.ts';
import { BlockerError } from '../errors.ts';
import type { SecretHolder } from '../secret-holder.ts';
import type {
  CertificateCallback,
  Discovery,
  EngineOutputs,
  HandoffCallback,
  PlannedStep,
  SwitchedCallback,
} from '../types.ts';

export interface ApplyContext {
  config: ResolvedConfig;
  clients: Clients;
  discovery: Discovery;
  outputs: EngineOutputs;
  secretHolder: SecretHolder;
  handoff: HandoffCallback;
  /** Our server's certificate endpoint (certificate mode). */
  certificate?: CertificateCallback;
  /** A follow-up link's run: resolves when our server switched to the handed-off credential. */
  switched?: SwitchedCallback;
  signal: AbortSignal;
  now: () => number;
  /** Facts one step leaves for another within a run. */
  state: { permissionDeclared: boolean; appCreated: boolean };
  /** A `running` event with a progress message. */
  progress: (message: string) => void;
}

export interface StepOutcome {
  status: 'succeeded' | 'skipped';
  message: string;
  data?: StepData;
}

/** One step of the manual guide as a reconciler: what exists, what will change, and making it so. */
export interface StepDefinition {
  id: StepId;
  /** Steps whose outputs this one needs; everything else runs concurrently. */
  dependsOn: StepId[];
  /** Reads what this step needs to know (memoized and shared across steps). */
  discover: (session: DiscoverySession) => Promise<unknown>;
  /** `learned`: what earlier runs of this page found out (the tenant's credential policy). */
  plan: (discovery: Discovery, config: ResolvedConfig, now: number, learned?: SecretHolder) => PlannedStep;
  apply: (ctx: ApplyContext) => Promise<StepOutcome>;
}

export const blocked = (step: StepId, summary: string, blocker: StepError): PlannedStep => ({
  step,
  action: 'blocked',
  summary,
  details: [],
  blocker,
});

export function assertNotBlocked(plan: PlannedStep): void {
  if (plan.blocker) throw new BlockerError(plan.blocker);
}

import {
  StepDataSchema,
  StepEventInputSchema,
  type StepData,
  type StepEventInput,
} from '@kantiv/shared/events';
import { STEP_STOPPED_MESSAGE, type StepError, type StepId, type StepStatus } from '@kantiv/shared/steps';
import { Clients } from './clients.ts';
import { resolveConfig, type ResolvedConfig } from './config.ts';
import { DiscoverySession } from './discovery/session.ts';
import { snapshot } from './discovery/snapshot.ts';
import { CancelledError, isAbortError, toStepError } from './errors.ts';
import {
  DEFAULT_RETRY_POLICY,
  defaultSleep,
  type FetchLike,
  type TokenProvider,
  type Transport,
  type WaitInfo,
} from './http/transport.ts';
import { depthAtLeast, manifestPrivileges } from './privileges.ts';
import { emptySecretHolder, type SecretHolder } from './secret-holder.ts';
import { plannedCredential } from './steps/credential-certificate.ts';
import { STEPS, type ApplyContext, type StepDefinition } from './steps/index.ts';
import type {
  ApplyResult,
  Discovery,
  EngineConfig,
  EngineOptions,
  EngineOutputs,
  Plan,
  StepState,
} from './types.ts';

/** A step that was in progress when the run was cancelled. */
export const STOPPED_MESSAGE = STEP_STOPPED_MESSAGE;

/** The engine's steps (the server runs `verification`). */
export const ENGINE_STEP_IDS: StepId[] = STEPS.map((s) => s.id);

/** Which step waits for which: the bench's critical path and the wizard's diagram use it. */
export const STEP_DEPENDENCIES: Record<string, StepId[]> = Object.fromEntries(
  STEPS.map((s) => [s.id, s.dependsOn]),
);

/** What the admin may change between `discover()` and `apply()`. */
export type EngineChoices = Pick<
  EngineConfig,
  'environmentUrl' | 'role' | 'secretLifetimeMonths' | 'credentialKind'
>;

export interface Engine {
  /** Reads what exists now (tenant, roles, environments, app, role, user). Makes no change. */
  discover(): Promise<Discovery>;
  /** What `apply()` would do, in words an admin understands, with blockers and their fixes. Makes no change. */
  plan(): Promise<Plan>;
  /**
   * Converges the tenant and the environment to the plan: idempotent, resumable (call again after any failure or
   * on a new engine after a reload), reports every step through `onEvent`. Always rediscovers first unless
   * `plan()`/`discover()` just ran.
   */
  apply(): Promise<ApplyResult>;
  /** Changes the admin's choices; the next `plan()`/`apply()` rediscovers. */
  choose(choices: EngineChoices): void;
  /** For the role picker: which manifest privileges an existing role lacks. */
  checkRole(roleId: string): Promise<{ roleId: string; name: string | null; missingPrivileges: string[] }>;
  /** The last known state of each step. */
  readonly steps: StepState[];
  readonly outputs: EngineOutputs;
}

export function createEngine(options: EngineOptions): Engine {
  return new ProvisioningEngine(options);
}

class ProvisioningEngine implements Engine {
  private config: EngineConfig;
  private resolved: ResolvedConfig;
  private readonly transport: Transport;
  private readonly tokens: TokenProvider;
  private readonly signal: AbortSignal;
  private seq: number;
  private discovery: Discovery | null = null;
  private readonly secretHolder: SecretHolder;
  private readonly stepStates = new Map<StepId, StepState>();
  private lastOutputs: EngineOutputs = {};
  private running = false;

  constructor(private readonly options: EngineOptions) {
    this.config = options.config;
    this.resolved = resolveConfig(options.config, Boolean(options.certificate));
    this.signal = options.signal ?? new AbortController().signal;
    this.seq = options.config.seqStart ?? 0;
    const clock = options.clock ?? {};
    const fetchFn = options.fetch;
    // Browsers require `fetch` to be called with the global as `this`.
    let fetchOne: FetchLike = (input, init) => fetchFn(input, init);
    if (this.resolved.concurrency === 'sequential') {
      // The baseline: one Microsoft request at a time, discovery included.
      let queue: Promise<unknown> = Promise.resolve();
      const inner = fetchOne;
      fetchOne = (input, init) => {
        const next = queue.then(() => inner(input, init));
        queue = next.catch(() => undefined);
        return next;
      };
    }
    // One token request at a time: a silent acquisition may redeem the refresh token, and two redemptions racing
    // with the same (rotating) refresh token can fail. Cached tokens come back at once, so this costs nothing later.
    let tokenQueue: Promise<unknown> = Promise.resolve();
    this.tokens = {
      // `fresh` must reach MSAL: dropping it served the cached token, whose `wids` predate a PIM activation.
      getToken: (resource, tokenOptions) => {
        const next = tokenQueue.then(() => options.tokens.getToken(resource, tokenOptions));
        tokenQueue = next.catch(() => undefined);
        return next;
      },
    };
    this.transport = {
      fetch: fetchOne,
      tokens: this.tokens,
      policy: { ...DEFAULT_RETRY_POLICY, ...options.config.retry },
      sleep: clock.sleep ?? defaultSleep,
      now: clock.now ?? Date.now,
      random: clock.random ?? Math.random,
      onRequest: options.onRequest,
    };
    this.secretHolder = options.secretHolder ?? emptySecretHolder();
    if (this.resolved.handedOffSecretKeyId)
      this.secretHolder.handedOff.add(this.resolved.handedOffSecretKeyId);
    for (const s of STEPS) this.stepStates.set(s.id, { step: s.id, status: 'pending', attempts: 0 });
  }

  get steps(): StepState[] {
    return STEPS.map((s) => ({ ...(this.stepStates.get(s.id) as StepState) }));
  }

  get outputs(): EngineOutputs {
    return { ...this.lastOutputs };
  }

  choose(choices: EngineChoices): void {
    this.config = { ...this.config, ...choices };
    this.resolved = resolveConfig(this.config, Boolean(this.options.certificate));
    this.discovery = null;
  }

  private clients(): Clients {
    return new Clients(this.transport, this.resolved, this.signal, (step, info) => this.emitWait(step, info));
  }

  async discover(): Promise<Discovery> {
    if (this.signal.aborted) throw new CancelledError();
    const session = new DiscoverySession(this.clients(), this.tokens, this.resolved, this.signal);
    // Every step asks for what it needs; the session runs independent reads concurrently and never twice.
    await Promise.all(STEPS.map((s) => s.discover(session).catch(() => undefined)));
    this.discovery = await snapshot(session);
    return this.discovery;
  }

  async plan(): Promise<Plan> {
    const discovery = this.discovery ?? (await this.discover());
    return this.planFrom(discovery);
  }

  private planFrom(discovery: Discovery): Plan {
    const now = this.transport.now();
    const steps = STEPS.map((s) => s.plan(discovery, this.resolved, now, this.secretHolder));
    const blockers = steps.flatMap((p) => (p.blocker ? [{ ...p.blocker, step: p.step }] : []));
    const credential = plannedCredential(this.resolved, now, this.secretHolder);
    return { steps, credential, ready: blockers.length === 0, blockers, discovery };
  }

  async checkRole(roleId: string) {
    const discovery = this.discovery ?? (await this.discover());
    const env = discovery.environment;
    if (!env || !discovery.dataverse) throw new Error('Choose an environment first.');
    const dv = this.clients().dataverse('security_role', env);
    const [role, held, ids] = await Promise.all([
      dv.role(roleId),
      dv.rolePrivileges(roleId),
      dv.privilegesByName([...new Set(manifestPrivileges(this.resolved.manifest).map((p) => p.name))]),
    ]);
    const heldById = new Map(held.map((h) => [h.PrivilegeId.toLowerCase(), h.Depth]));
    const byName = new Map(ids.map((p) => [p.name, p.privilegeid.toLowerCase()]));
    const missingPrivileges = manifestPrivileges(this.resolved.manifest)
      .filter((w) => {
        const id = byName.get(w.name);
        const depth = id ? heldById.get(id) : undefined;
        return !depth || !depthAtLeast(depth, w.depth);
      })
      .map((w) => w.name);
    return { roleId, name: role?.name ?? null, missingPrivileges };
  }

  async apply(): Promise<ApplyResult> {
    if (this.running) throw new Error('apply() is already running.');
    this.running = true;
    try {
      return await this.applyOnce();
    } finally {
      this.running = false;
    }
  }

  private async applyOnce(): Promise<ApplyResult> {
    let discovery: Discovery;
    try {
      discovery = this.discovery ?? (await this.discover());
    } catch (err) {
      const error = toStepError(err);
      if (this.signal.aborted) this.emit('preflight', 'pending', STOPPED_MESSAGE);
      else this.emit('preflight', 'failed', error.message, { error });
      return {
        status: isAbortError(err) || this.signal.aborted ? 'cancelled' : 'failed',
        steps: this.steps,
        outputs: this.outputs,
        error: { ...error, step: 'preflight' },
      };
    }
    // The next apply must look again: this one is about to change things.
    this.discovery = null;
    const plan = this.planFrom(discovery);
    const outputs: EngineOutputs = {};
    this.lastOutputs = outputs;
    const clients = this.clients();
    const state = { permissionDeclared: false, appCreated: false };
    const done = new Set<StepId>();
    const failed = new Map<StepId, StepError>();

    const runStep = async (def: StepDefinition): Promise<void> => {
      const st = this.stepStates.get(def.id) as StepState;
      st.attempts += 1;
      st.startedAt = new Date(this.transport.now()).toISOString();
      delete st.finishedAt;
      delete st.error;
      const startedMs = this.transport.now();
      const planned = plan.steps.find((p) => p.step === def.id);
      this.emit(def.id, 'running', planned?.summary ?? def.id, { attempt: st.attempts });
      const ctx: ApplyContext = {
        config: this.resolved,
        clients,
        discovery,
        outputs,
        secretHolder: this.secretHolder,
        handoff: this.options.handoff,
        ...(this.options.certificate ? { certificate: this.options.certificate } : {}),
        ...(this.options.switched ? { switched: this.options.switched } : {}),
        signal: this.signal,
        now: this.transport.now,
        state,
        progress: (message) => this.emit(def.id, 'running', message, { attempt: st.attempts }),
      };
      try {
        const outcome = await def.apply(ctx);
        if (this.signal.aborted) throw new CancelledError();
        const secs = ((this.transport.now() - startedMs) / 1000).toFixed(1);
        done.add(def.id);
        this.emit(def.id, outcome.status, `${outcome.message} (${secs} s)`, {
          attempt: st.attempts,
          ...(outcome.data ? { data: outcome.data } : {}),
        });
      } catch (err) {
        if (this.signal.aborted) {
          // Stopped, not failed: the step is open again and the next run finds whatever it made.
          this.emit(def.id, 'pending', STOPPED_MESSAGE, { attempt: st.attempts });
          return;
        }
        const error = toStepError(err);
        failed.set(def.id, error);
        this.emit(def.id, 'failed', error.message, { attempt: st.attempts, error });
      }
    };

    if (this.resolved.concurrency === 'sequential') {
      for (const def of STEPS) {
        if (failed.size > 0 || this.signal.aborted) break;
        await runStep(def);
      }
    } else {
      // Start every step whose dependencies are done; independent branches (Graph app work and Dataverse role work)
      // run at the same time. A failed step stops only what depends on it.
      const started = new Set<StepId>();
      const inFlight = new Map<StepId, Promise<void>>();
      for (;;) {
        if (this.signal.aborted) break;
        for (const def of STEPS) {
          if (started.has(def.id)) continue;
          if (!def.dependsOn.every((d) => done.has(d))) continue;
          started.add(def.id);
          inFlight.set(
            def.id,
            runStep(def).finally(() => inFlight.delete(def.id)),
          );
        }
        if (inFlight.size === 0) break;
        await Promise.race(inFlight.values());
      }
      await Promise.all(inFlight.values());
    }

    const firstFailure = STEPS.map((s) => s.id).find((id) => failed.has(id));
    const cancelled = this.signal.aborted;
    const status: ApplyResult['status'] = cancelled
      ? 'cancelled'
      : firstFailure || done.size < STEPS.length
        ? 'failed'
        : 'succeeded';
    return {
      status,
      steps: this.steps,
      outputs: { ...outputs },
      ...(firstFailure ? { error: { ...(failed.get(firstFailure) as StepError), step: firstFailure } } : {}),
    };
  }

  private emitWait(step: StepId, info: WaitInfo): void {
    const st = this.stepStates.get(step);
    this.emit(step, 'waiting', info.message, {
      at: info.at.toISOString(),
      attempt: info.attempt,
      retryAt: info.retryAt.toISOString(),
      error: toStepError(info.error),
      keepStatus: st?.status === 'pending',
    });
  }

  private emit(
    step: StepId,
    status: StepStatus,
    message: string,
    extra: {
      at?: string;
      attempt?: number;
      retryAt?: string;
      error?: StepError;
      data?: StepData;
      /** A wait during discovery: reported, but the step has not started. */
      keepStatus?: boolean;
    } = {},
  ): void {
    const at = extra.at ?? new Date(this.transport.now()).toISOString();
    const st = this.stepStates.get(step);
    if (st && !extra.keepStatus) {
      st.status = status;
      st.message = message;
      if (status === 'succeeded' || status === 'failed' || status === 'skipped') st.finishedAt = at;
      if (extra.error && status === 'failed') st.error = extra.error;
    }
    // Only allow-listed, non-secret ids may ride along (StepDataSchema is strict).
    const data = extra.data ? StepDataSchema.safeParse(extra.data) : undefined;
    const candidate: StepEventInput = {
      seq: this.seq,
      step,
      status,
      at,
      message: message.length > 1000 ? `${message.slice(0, 999)}…` : message,
      ...(extra.attempt ? { attempt: Math.min(extra.attempt, 1000) } : {}),
      ...(extra.retryAt ? { retryAt: extra.retryAt } : {}),
      ...(extra.error ? { error: extra.error } : {}),
      ...(data?.success ? { data: data.data } : {}),
    };
    const parsed = StepEventInputSchema.safeParse(candidate);
    if (!parsed.success) return;
    this.seq += 1;
    try {
      this.options.onEvent?.(parsed.data);
    } catch {
      // A listener's failure must not break provisioning.
    }
  }
}

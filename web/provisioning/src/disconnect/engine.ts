import type { TenantRemoval } from '@kantiv/shared/disconnect';
import { resolveConfig } from '../config.ts';
import { DEFAULT_RETRY_POLICY, defaultSleep, type Transport } from '../http/transport.ts';
import { DataverseRemovalClient, GraphRemovalClient } from '../microsoft/removal-clients.ts';
import type { EngineOptions } from '../types.ts';
import { applyDisconnect } from './apply.ts';
import { planDisconnect, type DisconnectPlan, type DisconnectTarget } from './plan.ts';

export type DisconnectEngineOptions = Pick<EngineOptions, 'tokens' | 'fetch' | 'signal' | 'clock'> & {
  target: DisconnectTarget;
  endpoints?: { graph?: string };
  retry?: EngineOptions['config']['retry'];
};

export interface DisconnectEngine {
  /** Reads what is there to remove. Makes no change. */
  plan(): Promise<DisconnectPlan>;
  /** Plans again (what a failed run removed already is not there any more) and removes it. */
  apply(): Promise<{ plan: DisconnectPlan; removed: TenantRemoval }>;
}

/** The customer's side of a disconnect (decision 018), with the admin's delegated tokens. */
export function createDisconnectEngine(options: DisconnectEngineOptions): DisconnectEngine {
  const resolved = resolveConfig({ ...(options.endpoints ? { endpoints: options.endpoints } : {}) });
  const clock = options.clock ?? {};
  const fetchFn = options.fetch;
  const transport: Transport = {
    // Browsers require `fetch` to be called with the global as `this`.
    fetch: (input, init) => fetchFn(input, init),
    tokens: options.tokens,
    policy: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    sleep: clock.sleep ?? defaultSleep,
    now: clock.now ?? Date.now,
    random: clock.random ?? Math.random,
  };
  const ctx = { signal: options.signal ?? new AbortController().signal, onWait: () => {} };
  const url = options.target.environmentUrl;
  const clients = {
    graph: new GraphRemovalClient(transport, ctx, resolved.graphUrl),
    // The environment URL answers the Web API as its API URL does, and is the token's audience.
    dataverse: new DataverseRemovalClient(transport, ctx, url, url),
  };
  return {
    plan: () => planDisconnect(clients, options.target),
    async apply() {
      const plan = await planDisconnect(clients, options.target);
      return { plan, removed: await applyDisconnect(clients, plan) };
    },
  };
}

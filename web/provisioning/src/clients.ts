import type { StepId } from '@kantiv/shared/steps';
import type { ResolvedConfig } from './config.ts';
import type { CallContext, Transport, WaitInfo } from './http/transport.ts';
import { DataverseClient } from './microsoft/dataverse-client.ts';
import { DiscoveryClient } from './microsoft/discovery-client.ts';
import { GraphClient } from './microsoft/graph-client.ts';
import type { EnvironmentOption } from './types.ts';

/** Clients bound to one step: their waits are reported as that step's `waiting` events. */
export class Clients {
  constructor(
    private readonly transport: Transport,
    private readonly config: ResolvedConfig,
    private readonly signal: AbortSignal,
    private readonly onWait: (step: StepId, info: WaitInfo) => void,
  ) {}

  ctx(step: StepId): CallContext {
    return { signal: this.signal, onWait: (info) => this.onWait(step, info) };
  }
  graph(step: StepId): GraphClient {
    return new GraphClient(this.transport, this.ctx(step), this.config.graphUrl);
  }
  discovery(step: StepId): DiscoveryClient {
    return new DiscoveryClient(this.transport, this.ctx(step), this.config.discoveryUrl);
  }
  dataverse(step: StepId, env: EnvironmentOption): DataverseClient {
    return new DataverseClient(this.transport, this.ctx(step), env.apiUrl, env.url);
  }
}

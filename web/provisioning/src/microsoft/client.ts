import { z } from 'zod';
import type { MicrosoftService } from '../errors.ts';
import { request, type HttpResult, type RequestSpec } from '../http/request.ts';
import type { CallContext, TokenResource, Transport } from '../http/transport.ts';

/** An OData collection: `{ value: [...] }`. */
export const odataList = <T extends z.ZodType>(item: T) => z.object({ value: z.array(item) });

/**
 * What every Microsoft client shares: one transport, the calling step's context (its cancellation and where its
 * waits are reported), one service, the token resource its calls need and where its API lives.
 */
export abstract class MicrosoftClient {
  protected abstract readonly service: MicrosoftService;
  protected abstract readonly resource: TokenResource;
  /** The API's path and version below the service URL, e.g. `/v1.0`. */
  protected abstract readonly apiPath: string;

  constructor(
    private readonly transport: Transport,
    private readonly ctx: CallContext,
    /** The service's URL: Microsoft's public cloud, or the emulator's in tests. */
    private readonly serviceUrl: string,
  ) {}

  protected url(path: string): string {
    return `${this.serviceUrl.replace(/\/$/, '')}${this.apiPath}${path}`;
  }

  protected call<S extends z.ZodType | undefined>(
    spec: Omit<RequestSpec<S>, 'service' | 'resource'>,
  ): Promise<HttpResult<S extends z.ZodType ? z.infer<S> : undefined>> {
    return request(this.transport, this.ctx, { ...spec, service: this.service, resource: this.resource });
  }
}

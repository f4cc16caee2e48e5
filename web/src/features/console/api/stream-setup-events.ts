import { SetupEventSchema, type SetupEvent } from '@kantiv/shared/events';
import { env } from '../../../config/env.ts';
import { consoleApiPaths } from '../../../config/paths.ts';
import { createSseParser } from '../lib/sse.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

/**
 * Follows `GET /api/v1/setups/:id/events` until `signal` aborts. Reconnects with `Last-Event-ID`, so the server
 * replays what was missed and no event is lost or shown twice. `fetch` instead of `EventSource` because the
 * stream needs the staff bearer token.
 */
export async function streamSetupEvents(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  setupId: string,
  onEvent: (event: SetupEvent) => void,
  onStatus: (status: StreamStatus) => void,
  signal: AbortSignal,
): Promise<void> {
  let lastEventId: string | undefined;
  let delayMs = 1000;
  while (!signal.aborted) {
    try {
      const token = await auth.getAccessToken();
      const res = await fetch(`${env.apiBaseUrl}${consoleApiPaths.setupEvents(setupId)}`, {
        headers: {
          accept: 'text/event-stream',
          authorization: `Bearer ${token}`,
          ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
        },
        cache: 'no-store',
        signal,
      });
      if (!res.ok || !res.body) throw new Error(`The event stream answered ${res.status}.`);
      onStatus('live');
      delayMs = 1000;
      const parser = createSseParser((message) => {
        if (message.id !== undefined) lastEventId = message.id;
        let json: unknown;
        try {
          json = JSON.parse(message.data);
        } catch {
          return;
        }
        const parsed = SetupEventSchema.safeParse(json);
        if (parsed.success) onEvent(parsed.data);
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
      }
    } catch {
      if (signal.aborted) return;
    }
    if (signal.aborted) return;
    onStatus('reconnecting');
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    delayMs = Math.min(delayMs * 2, 15_000);
  }
}

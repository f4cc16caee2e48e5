import type { StepEventInput } from '@kantiv/shared/events';
import { postStepEvents } from '../api/post-step-events.ts';
import type { RunEvent } from './engine-types.ts';

/**
 * Forwards the engine's step events to our server so Kantiv support sees them live. Ordered by `seq`, which keeps
 * counting across reloads of this tab (the server ignores a `seq` it already has). Failures are retried with the
 * next batch and never block the run: the admin's setup matters more than the progress feed.
 */
const seqKey = (setupId: string) => `kantiv-connect.event-seq.${setupId}`;

export class EventForwarder {
  private queue: StepEventInput[] = [];
  private sending: Promise<void> | undefined;
  private seq: number;

  constructor(private readonly setupId: string) {
    this.seq = Number(sessionStorage.getItem(seqKey(setupId)) ?? '0') || 0;
  }

  push(event: RunEvent): void {
    this.seq += 1;
    sessionStorage.setItem(seqKey(this.setupId), String(this.seq));
    this.queue.push({ ...event, seq: this.seq });
    void this.flush();
  }

  /** Resolves when everything queued so far was sent (or failed to send). */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, 100);
    this.sending = postStepEvents(batch)
      .catch(() => {
        // Put them back in front, to go out with the next event.
        this.queue.unshift(...batch);
      })
      .finally(() => {
        this.sending = undefined;
      });
    await this.sending;
  }
}

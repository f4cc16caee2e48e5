import type { StepEventInput } from '@kantiv/shared/events';
import { postStepEvents } from '../api/post-step-events.ts';
import type { RunEvent } from '@kantiv/provisioning';

/**
 * Forwards the engine's step events to our server so Kantiv support sees them live. Ordered by `seq`; the server
 * ignores a `seq` it already has, so a retry is harmless. A new tab (or another admin) starts numbering at 1: when
 * the server reports the whole batch as already known, the batch is renumbered after the server's last `seq` and
 * sent again. Failures are retried with the next batch and never block the run.
 */
const seqKey = (setupId: string) => `kantiv-connect.event-seq.${setupId}`;

export class EventForwarder {
  private queue: StepEventInput[] = [];
  private sending: Promise<void> | undefined;
  private seq: number;

  constructor(private readonly setupId: string) {
    this.seq = Number(sessionStorage.getItem(seqKey(setupId)) ?? '0') || 0;
  }

  private next(): number {
    this.seq += 1;
    sessionStorage.setItem(seqKey(this.setupId), String(this.seq));
    return this.seq;
  }

  push(event: RunEvent): void {
    this.queue.push({ ...event, seq: this.next() });
    void this.flush();
  }

  /** Resolves when everything queued so far was sent (or failed to send). */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, 100);
    let renumbered = false;
    this.sending = postStepEvents(batch)
      .then((result) => {
        if (result.accepted === 0 && result.duplicates > 0 && result.lastSeq >= (batch[0]?.seq ?? 0)) {
          this.seq = Math.max(this.seq, result.lastSeq);
          // Keep the order: renumber the batch and whatever queued meanwhile.
          const rest = this.queue.splice(0);
          this.queue.push(...[...batch, ...rest].map((e) => ({ ...e, seq: this.next() })));
          renumbered = true;
        }
      })
      .catch(() => {
        // Put them back in front, to go out with the next event.
        this.queue.unshift(...batch);
      })
      .finally(() => {
        this.sending = undefined;
      });
    await this.sending;
    // Renumbered events go out at once; failed ones wait for the next event or the final flush.
    if (renumbered) await this.flush();
  }
}

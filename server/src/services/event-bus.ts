import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { SetupEvent } from '@kantiv/shared/events';
import type { FastifyBaseLogger } from 'fastify';

const CHANNEL = 'kantiv_setup_events';
// NOTIFY payloads are limited to 8000 bytes; bigger events travel by id and are read back from the database.
const MAX_INLINE = 7000;

export type EventListener = (event: SetupEvent) => void;

/**
 * Live setup events. In one process an EventEmitter fans out to SSE watchers and long-polls. On PostgreSQL every
 * instance LISTENs on one channel and every publish is a NOTIFY, so a watcher on instance A sees what instance B
 * stored; the publishing instance also receives its own NOTIFY, which keeps one code path for delivery.
 */
export function createEventBus(options: {
  pgUrl: string | undefined;
  log: FastifyBaseLogger;
  loadEvent: (id: number) => Promise<SetupEvent | undefined>;
}) {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let listener: pg.Client | undefined;
  let closed = false;
  // Services that react to every event (cache invalidation); not watchers, so not counted as such.
  const observers: EventListener[] = [];

  const deliver = (event: SetupEvent) => {
    for (const observe of observers) observe(event);
    emitter.emit(event.setupId, event);
    emitter.emit('*', event);
  };

  async function connect(): Promise<void> {
    if (!options.pgUrl || closed) return;
    const client = new pg.Client({ connectionString: options.pgUrl });
    client.on('error', (err) => {
      options.log.warn({ err: err.message }, 'event listener connection lost; reconnecting');
      listener = undefined;
      setTimeout(() => void connect().catch(() => undefined), 1000).unref();
    });
    client.on('notification', (msg) => {
      if (!msg.payload) return;
      void handleNotification(msg.payload);
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    listener = client;
  }

  async function handleNotification(payload: string): Promise<void> {
    try {
      const parsed = JSON.parse(payload) as { ref?: number } & Partial<SetupEvent>;
      if (parsed.ref !== undefined) {
        const event = await options.loadEvent(parsed.ref);
        if (event) deliver(event);
      } else {
        deliver(parsed as SetupEvent);
      }
    } catch (err) {
      options.log.warn({ err }, 'could not deliver a live event');
    }
  }

  return {
    start: connect,
    async publish(event: SetupEvent, notify?: (payload: string) => Promise<void>): Promise<void> {
      if (!options.pgUrl || !notify) {
        deliver(event);
        return;
      }
      const json = JSON.stringify(event);
      await notify(Buffer.byteLength(json) <= MAX_INLINE ? json : JSON.stringify({ ref: event.id }));
    },
    channel: CHANNEL,
    subscribe(setupId: string, fn: EventListener): () => void {
      emitter.on(setupId, fn);
      return () => emitter.off(setupId, fn);
    },
    /** Calls `fn` with every event, on this instance, before any watcher of its setup. */
    observe(fn: EventListener): void {
      observers.push(fn);
    },
    watcherCount(): number {
      return emitter.eventNames().reduce((n, name) => n + emitter.listenerCount(name), 0);
    },
    async close(): Promise<void> {
      closed = true;
      emitter.removeAllListeners();
      if (listener) await listener.end().catch(() => undefined);
    },
  };
}
export type EventBus = ReturnType<typeof createEventBus>;

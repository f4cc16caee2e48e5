/**
 * The server's sense of "now" for business time: when a credential is due for rotation, when a job becomes due,
 * when an expiry warning is owed. One seam, passed through the composition root (`buildApp({ clock })`), so tests
 * move time forward by months without sleeps or fake timers. Timeouts, leases and rate limits stay on real time:
 * they measure how long this process waits, not where the calendar is.
 */
export interface Clock {
  now(): Date;
}

/** Real time: what production runs on. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock tests move by hand; it starts at real time (or `start`) and only moves when told to. */
export interface MovableClock extends Clock {
  /** Moves forward (or back, with a negative number) by `ms`. */
  advance(ms: number): void;
  set(at: Date): void;
}

export function createMovableClock(start: Date = new Date()): MovableClock {
  let at = start.getTime();
  return {
    now: () => new Date(at),
    advance(ms) {
      at += ms;
    },
    set(next) {
      at = next.getTime();
    },
  };
}

export const DAY_MS = 86_400_000;

/**
 * A clock that runs with real time from wherever a test moved it (as the emulator's clock does): retries and
 * backoffs scheduled on it fall due without the test moving it again.
 */
export function createTickingClock(): MovableClock {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance(ms) {
      offset += ms;
    },
    set(at) {
      offset = at.getTime() - Date.now();
    },
  };
}

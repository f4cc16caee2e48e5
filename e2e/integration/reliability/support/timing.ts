import { eventually as poll, sleep } from '@kantiv/emulator/test-support/eventually';

export { sleep };

/** {@link poll} with the suite's patience: processes on a loaded machine, a minute by default. */
export function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  return poll(fn, ok, timeoutMs, 200);
}

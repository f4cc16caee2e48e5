import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmulatorFetch, type Emulator, type IssueTokenOptions, type StateView } from '@kantiv/emulator';

type Ready = Pick<Emulator, 'port' | 'certificate' | 'microsoftHostMap' | 'urls' | 'tenants'> & {
  wizardClientId: string;
};

/**
 * The emulator in a child process, driven through its HTTP control API (`/_emulator/*`) as the Playwright runner
 * drives it. `asEmulator()` is for the emulator's test helpers (`call`, `tokenFor`, `createAppWithPrincipal`), which
 * use only `fetch` and `control.issueToken`.
 */
export async function startEmulatorProcess(opts: { replicationDelayMs?: number } = {}) {
  const child = fork(path.join(path.dirname(fileURLToPath(import.meta.url)), 'emulator-child.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, REPLICATION_DELAY_MS: String(opts.replicationDelayMs ?? 0) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Ready));
    child.once('exit', (code) => reject(new Error(`emulator exited (${code}) before it was ready`)));
  });
  const fetchEmulated = createEmulatorFetch(ready.port, ready.certificate);
  async function control<T>(method: 'GET' | 'POST' | 'DELETE', route: string, body?: unknown): Promise<T> {
    const res = await fetchEmulated(`${ready.urls.control}${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`emulator ${method} ${route}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  const issueToken = async (o: IssueTokenOptions) =>
    (await control<{ access_token: string }>('POST', '/token', o)).access_token;
  return {
    ...ready,
    pid: child.pid!,
    fetch: fetchEmulated,
    issueToken,
    now: async () => (await control<{ now: number }>('GET', '/clock')).now,
    advanceClock: async (advanceMs: number) =>
      (await control<{ now: number }>('POST', '/clock', { advanceMs })).now,
    state: () => control<StateView>('GET', '/state'),
    control,
    asEmulator: () => ({ fetch: fetchEmulated, control: { issueToken } }) as unknown as Emulator,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}
export type EmulatorProcess = Awaited<ReturnType<typeof startEmulatorProcess>>;

/** The peak resident set of this process so far (VmHWM), in MiB: what the kernel saw, GC and native memory included. */
export async function peakRssMb(pid: number | 'self' = 'self'): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

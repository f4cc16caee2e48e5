import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** A child process of the suite with everything it wrote to stdout and stderr (searched for secrets later). */
export type Proc = {
  name: string;
  child: ChildProcess;
  /** stdout and stderr, in arrival order. */
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** Hard stop (default SIGKILL), resolved when the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
};

const running = new Set<Proc>();

/** Every process this file started and that is still running is killed (afterAll, also after a failure). */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill('SIGKILL')));
}

/** Starts `node --import tsx <script>` and resolves once a line of its stdout matches `ready`. */
export async function spawnNode(
  name: string,
  script: string,
  env: Record<string, string>,
  ready: RegExp | null,
  timeoutMs = 90_000,
  /** Node's flags; by default the TypeScript loader (the source runs as it is). */
  nodeArgs: string[] = ['--import', 'tsx'],
): Promise<{ proc: Proc; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let exitState: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      exitState = { code, signal };
      resolve(exitState);
    }),
  );
  const proc: Proc = {
    name,
    child,
    output,
    exited,
    alive: () => exitState === undefined,
    async kill(signal = 'SIGKILL') {
      if (exitState === undefined) child.kill(signal);
      await exited;
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  if (!ready) {
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    return { proc, match: /$/.exec('')! };
  }
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => {
      reject(new Error(`${name} did not become ready in ${timeoutMs} ms:\n${output.join('').slice(-3000)}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output.push(text);
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const m = ready.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    void exited.then((s) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${name} exited (${JSON.stringify(s)}) before it was ready:\n${output.join('').slice(-3000)}`,
        ),
      );
    });
  });
  return { proc, match };
}

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * RSA key pairs made on worker threads of their own at the lowest CPU priority (nice 19).
 *
 * Key generation is by far the largest CPU cost of a certificate (tens to hundreds of ms of modular arithmetic per
 * RSA-2048 pair; signing a certificate or a JWT is ~1 ms). WebCrypto's `generateKey` already runs off the event loop,
 * on libuv's thread pool, but at the same priority as the event loop: four rotations at once put four threads of
 * key generation next to the one thread that answers token requests, and on a small server the kernel then shares
 * the cores between them evenly, so token vending waits (decision 012, ninth session). Here the key generation only
 * gets the CPU the event loop leaves over: a rotation takes a little longer, a token request does not.
 *
 * The priority is per thread on Linux (setpriority(2) on the thread's id, read from /proc/thread-self); where that
 * is not available the worker simply runs at normal priority. The worker's code is inline (`eval`) so the bundled
 * server (`scripts/build.ts`) needs no second file, and it carries no secret across: the private key goes back to
 * the caller as PKCS#8 DER, the same bytes WebCrypto's export would give, and nothing is logged.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { generateKeyPairSync } = require('node:crypto');
let nice = null;
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) {
    require('node:os').setPriority(tid, 19);
    nice = require('node:os').getPriority(tid);
  }
} catch {}
parentPort.on('message', (m) => {
  if (m.kind === 'nice') return parentPort.postMessage({ id: m.id, nice });
  try {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: m.modulusLength,
      publicExponent: 0x10001,
      publicKeyEncoding: { type: 'spki', format: 'der' },
      privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    });
    parentPort.postMessage({ id: m.id, publicKey, privateKey });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: e instanceof Error ? e.message : 'key generation failed' });
  }
});
`;

type Reply = {
  id: number;
  publicKey?: Uint8Array;
  privateKey?: Uint8Array;
  nice?: number | null;
  error?: string;
};
type Waiting = { resolve: (r: Reply) => void; reject: (e: Error) => void };

/**
 * As many threads as the machine has cores (at most 4): at nice 19 they take only what the event loop leaves, so on
 * a quiet machine rotations still use every core (an RSA-2048 pair costs 0.1–0.4 s of CPU on a small server).
 */
const POOL_SIZE = Math.max(1, Math.min(4, availableParallelism()));
const pool: ({ worker: Worker; waiting: Map<number, Waiting> } | undefined)[] = [];
let nextId = 0;

function start(slot: number) {
  // No tsx or inspector flags: the worker's code is plain CommonJS.
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
  const entry = { worker, waiting: new Map<number, Waiting>() };
  worker.on('message', (r: Reply) => {
    const p = entry.waiting.get(r.id);
    entry.waiting.delete(r.id);
    if (entry.waiting.size === 0) worker.unref();
    p?.resolve(r);
  });
  const fail = (err: Error) => {
    if (pool[slot] === entry) pool[slot] = undefined;
    for (const p of entry.waiting.values()) p.reject(err);
    entry.waiting.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`key generation worker exited (${code})`)));
  worker.unref();
  pool[slot] = entry;
  return entry;
}

/** The thread with the fewest keys in hand (started on first use). */
function leastBusy(slot?: number) {
  if (slot !== undefined) return pool[slot] ?? start(slot);
  let best: { worker: Worker; waiting: Map<number, Waiting> } | undefined;
  for (let i = 0; i < POOL_SIZE; i += 1) {
    const entry = pool[i] ?? start(i);
    if (!best || entry.waiting.size < best.waiting.size) best = entry;
    if (entry.waiting.size === 0) break;
  }
  return best!;
}

function ask(message: Record<string, unknown>, slot?: number): Promise<Reply> {
  const entry = leastBusy(slot);
  const id = (nextId += 1);
  return new Promise<Reply>((resolve, reject) => {
    entry.waiting.set(id, { resolve, reject });
    // Keeps the process alive only while a key is being made.
    entry.worker.ref();
    entry.worker.postMessage({ ...message, id });
  });
}

/** An RSA key pair (exponent 65537): SubjectPublicKeyInfo and PKCS#8 DER. */
export async function generateRsaKeyPairDer(
  modulusLength: number,
): Promise<{ publicKey: Uint8Array; privateKey: Uint8Array }> {
  const r = await ask({ kind: 'generate', modulusLength });
  if (r.error || !r.publicKey || !r.privateKey) throw new Error(r.error ?? 'key generation failed');
  return { publicKey: r.publicKey, privateKey: r.privateKey };
}

/** Each key generation thread's nice value (19 where the platform allows per-thread priority, else null). */
export async function keyPairWorkerNices(): Promise<(number | null)[]> {
  const replies = await Promise.all(
    Array.from({ length: POOL_SIZE }, (_, slot) => ask({ kind: 'nice' }, slot)),
  );
  return replies.map((r) => r.nice ?? null);
}

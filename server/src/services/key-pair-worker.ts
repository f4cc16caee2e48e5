import { Worker } from 'node:worker_threads';

/**
 * RSA key pairs made on a worker thread of their own at the lowest CPU priority (nice 19), one at a time.
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

let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

function theWorker(): Worker {
  if (worker) return worker;
  // No tsx or inspector flags: the worker's code is plain CommonJS.
  const w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
  w.on('message', (r: Reply) => {
    const p = waiting.get(r.id);
    waiting.delete(r.id);
    if (waiting.size === 0) w.unref();
    p?.resolve(r);
  });
  const fail = (err: Error) => {
    if (worker === w) worker = undefined;
    for (const p of waiting.values()) p.reject(err);
    waiting.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`key generation worker exited (${code})`)));
  w.unref();
  worker = w;
  return w;
}

function ask(message: Record<string, unknown>): Promise<Reply> {
  const w = theWorker();
  const id = (nextId += 1);
  return new Promise<Reply>((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    // Keeps the process alive only while a key is being made.
    w.ref();
    w.postMessage({ ...message, id });
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

/** The key generation thread's nice value (19 where the platform allows per-thread priority), or null. */
export async function keyPairWorkerNice(): Promise<number | null> {
  return (await ask({ kind: 'nice' })).nice ?? null;
}

import http from 'node:http';
import type autocannon from 'autocannon';

/** Successful answers per second of the run: autocannon's `requests.average` counts failed answers too. */
export function okRps(r: autocannon.Result): number {
  return (r['2xx'] + (r['3xx'] ?? 0)) / Math.max(r.duration, 0.001);
}

/**
 * Latency at a fixed rate, the way wrk2 measures it: requests are scheduled evenly (one every 1000/rate ms, not in a
 * burst at the start of each second as autocannon's `overallRate` sends them), each request's latency runs from the
 * moment it was due to be sent, so a stall on either side counts in full for every request it delays (no coordinated
 * omission), and a keep-alive pool lets a slow answer never hold back the next request.
 */
export async function openLoop(
  url: string,
  headers: Record<string, string>,
  rate: number,
  seconds: number,
): Promise<{ rps: number; p99Ms: number; errors: number }> {
  const pool = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const total = rate * seconds;
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  let settled = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const send = (due: number) => {
      const req = http.get(url, { agent: pool, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) latencies.push(performance.now() - due);
          else errors += 1;
          if (++settled === total) resolve();
        });
      });
      req.on('error', () => {
        errors += 1;
        if (++settled === total) resolve();
      });
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / rate <= now) send(start + (sent++ * 1000) / rate);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  const elapsedS = (performance.now() - start) / 1000;
  pool.destroy();
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? -1;
  return { rps: Math.round(latencies.length / elapsedS), p99Ms: Number(p99.toFixed(1)), errors };
}

/**
 * Requests at a fixed rate until the returned `stop` is called (open loop, as `openLoop`: each latency runs from when
 * the request was due). `pathOf(n)` names the n-th request's path, so a run can spread over several setups.
 */
export function loopAtRate(opts: {
  port: number;
  method: 'GET' | 'POST';
  pathOf: (n: number) => string;
  headers: Record<string, string>;
  rate: number;
}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  let stopped = false;
  const pending = new Set<Promise<void>>();
  const start = performance.now();
  const one = (due: number, path: string) =>
    new Promise<void>((resolve) => {
      const req = http.request(
        { host: '127.0.0.1', port: opts.port, method: opts.method, path, agent, headers: opts.headers },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) latencies.push(performance.now() - due);
            else errors += 1;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end();
    });
  const tick = () => {
    const now = performance.now();
    while (!stopped && start + (sent * 1000) / opts.rate <= now) {
      const p = one(start + (sent * 1000) / opts.rate, opts.pathOf(sent));
      sent += 1;
      pending.add(p);
      void p.then(() => pending.delete(p));
    }
    if (!stopped) setTimeout(tick, 2);
  };
  tick();
  return async () => {
    stopped = true;
    await Promise.all([...pending]);
    agent.destroy();
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? -1;
    return { count: latencies.length, errors, p99Ms: Number(p99.toFixed(1)) };
  };
}

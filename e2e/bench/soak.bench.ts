import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAll } from '../integration/reliability/support/processes.ts';
import { eventually } from '../integration/reliability/support/timing.ts';
import { startEmulatorProcess } from '../integration/reliability/support/emulator-process.ts';
import { provision } from '../integration/reliability/support/microsoft-flows.ts';
import { startStaffIssuer } from '../integration/reliability/support/staff-issuer.ts';
import {
  newApiKey,
  newKey,
  removeDir,
  startServer,
  tempDir,
} from '../integration/reliability/support/server-process.ts';
import { apiClient } from '../integration/reliability/support/api-client.ts';
import {
  createSetup,
  handoffBody,
  stateOf,
  wizardUpTo,
} from '../integration/reliability/support/setup-flows.ts';
import { report } from './report.ts';
import { startCommand } from './start-command.ts';

/**
 * Soak (loopback only): one server process on its SQLite file, the emulator in its own process. For SOAK_SECONDS
 * (default 300; `pnpm bench soak -- 30` or SOAK_SECONDS=30 for a quick check) it polls setup status at 500 req/s,
 * streams events to 200 SSE watchers (10 per watched setup, fed by wizard step events) and runs complete setups
 * (provision → invite → sign-in → events → hand-off → verification) back to back. Reports errors (goal 0), latency
 * percentiles and the server's memory trend after warm-up (goal: flat).
 * - The server is the production build run with `pnpm start`'s node flags.
 * - Status polling is open loop: request k is due at start + k/rate; its latency runs from when it was due (a stall
 *   on either side counts for every request it delays). Only answered requests (200/304) count as achieved rate;
 *   a request still unanswered at the end, a failed one and a wrong status are errors.
 * - Memory: RSS sampled every second; the GC floor is the lowest sample of each 10-second window, and the trend is
 *   the least-squares slope of those floors after warm-up (MB per minute); the peak is the kernel's VmHWM.
 */
const SECONDS = Number(process.env.SOAK_SECONDS ?? process.argv[2] ?? 300);
const STATUS_RPS = 500;
const WATCHED = 20;
const WATCHERS_PER_SETUP = 10;
const EVENTS_PER_SECOND = 20;

const pct = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const procMb = (pid: number, field: 'VmRSS' | 'VmHWM') => {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
};
const rssMb = (pid: number) => procMb(pid, 'VmRSS');
/** Least-squares slope of y over x. */
const slope = (points: { x: number; y: number }[]) => {
  if (points.length < 2) return 0;
  const mx = points.reduce((a, p) => a + p.x, 0) / points.length;
  const my = points.reduce((a, p) => a + p.y, 0) / points.length;
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / sxx;
};
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const dir = tempDir('kc-soak-');
const apiKey = newApiKey();
const responses: string[] = [];
const api = apiClient(responses);
const errors: string[] = [];
const noteError = (what: string) => {
  if (errors.length < 20) console.error(`error: ${what}`);
  errors.push(what);
};
let unansweredTotal = 0;

try {
  // The production build, as `pnpm start` runs it, rebuilt from the tree so the figures describe this code.
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'server/scripts/build.ts')], {
    stdio: 'inherit',
  });
  const [emu, issuer] = await Promise.all([startEmulatorProcess(dir), startStaffIssuer()]);
  const { flags, args } = startCommand(root);
  const server = await startServer(
    'soak',
    {
      DATA_DIR: dir,
      KANTIV_KEYS: newKey('soak'),
      KANTIV_BOOTSTRAP_API_KEY: apiKey,
      LOG_LEVEL: 'warn',
      ...emu.hostMapEnv(),
      ...issuer.env,
    },
    { nodeArgs: flags, script: args.at(-1)! },
  );
  const pid = server.proc.child.pid!;
  const staff = await issuer.token(['Connect.Read']);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  // Watched setups with their watchers.
  const watched: { id: string; token: string; seq: number }[] = [];
  for (let i = 0; i < WATCHED; i += 1)
    watched.push({ ...(await createSetup(api, server.base, apiKey)), seq: 0 });
  const sseLatencies: number[] = [];
  let sseDelivered = 0;
  const sockets: http.ClientRequest[] = [];
  let stopping = false;
  for (const s of watched) {
    for (let w = 0; w < WATCHERS_PER_SETUP; w += 1) {
      await new Promise<void>((resolve, reject) => {
        const req = http.get(
          `${server.base}/api/v1/setups/${s.id}/events`,
          { headers: { accept: 'text/event-stream', authorization: `Bearer ${staff}` } },
          (res) => {
            if (res.statusCode !== 200) noteError(`watcher status ${res.statusCode}`);
            let pending = '';
            res.on('data', (chunk: Buffer) => {
              pending += chunk.toString('utf8');
              const blocks = pending.split('\n\n');
              pending = blocks.pop() ?? '';
              for (const block of blocks) {
                const data = block.split('\n').find((l) => l.startsWith('data:'));
                if (!data) continue;
                const event = JSON.parse(data.slice(5)) as { message: string };
                const sent = /^soak (\d+)$/.exec(event.message);
                if (sent) {
                  sseDelivered += 1;
                  sseLatencies.push(Date.now() - Number(sent[1]));
                }
              }
            });
            res.on('close', () => {
              if (!stopping) noteError('a watcher stream closed');
            });
            resolve();
          },
        );
        req.on('error', (e) => (stopping ? undefined : noteError(`watcher: ${e.message}`)));
        sockets.push(req);
        req.once('response', () => resolve());
        req.once('error', reject);
      });
    }
  }

  // Status polling at a fixed rate, half of it conditional (ETag).
  const statusLatencies: number[] = [];
  let statusRequests = 0;
  let statusAnswered = 0;
  let statusFailed = 0;
  let measuring = true;
  const etags = new Map<string, string>();
  const poll = (s: { id: string }, due: number) => {
    const etag = statusRequests % 2 === 0 ? etags.get(s.id) : undefined;
    statusRequests += 1;
    const req = http.get(
      `${server.base}/api/v1/setups/${s.id}/status`,
      {
        agent,
        headers: { authorization: `Bearer ${apiKey}`, ...(etag ? { 'if-none-match': etag } : {}) },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200 && res.statusCode !== 304) {
            statusFailed += 1;
            noteError(`status ${res.statusCode}`);
            return;
          }
          statusAnswered += 1;
          statusLatencies.push(performance.now() - due);
          if (typeof res.headers.etag === 'string') etags.set(s.id, res.headers.etag);
        });
      },
    );
    req.on('error', (e) => {
      if (!measuring) return;
      statusFailed += 1;
      noteError(`status request: ${e.message}`);
    });
  };
  // Open loop, paced by the clock: a late tick sends what is due, each with the time it was due, so the offered rate
  // stays at STATUS_RPS even when the event loop lags (the lag then shows as latency, not as a lower rate).
  const pollStarted = performance.now();
  const poller = setInterval(() => {
    const dueNow = Math.floor(((performance.now() - pollStarted) / 1000) * STATUS_RPS);
    while (statusRequests < dueNow) {
      const k = statusRequests;
      poll(watched[k % watched.length]!, pollStarted + (k * 1000) / STATUS_RPS);
    }
  }, 10);

  // Wizard step events into the watched setups, so the 200 streams carry live traffic.
  let eventsPosted = 0;
  const poster = setInterval(() => {
    const s = watched[eventsPosted % watched.length]!;
    eventsPosted += 1;
    s.seq += 1;
    const at = new Date().toISOString();
    api
      .call(server.base, 'POST', '/api/v1/wizard/events', {
        token: s.token,
        body: {
          events: [{ seq: s.seq, step: 'preflight', status: 'running', at, message: `soak ${Date.now()}` }],
        },
      })
      .then((r) => (r.status === 200 ? undefined : noteError(`events ${r.status} ${r.text.slice(0, 200)}`)))
      .catch((e: Error) => noteError(`events: ${e.message}`));
  }, 1000 / EVENTS_PER_SECOND);

  // Complete setups, back to back, for the whole run.
  let setupsVerified = 0;
  let setupsFailed = 0;
  const flows = (async () => {
    while (!stopping) {
      try {
        const p = await provision(emu);
        const s = await createSetup(api, server.base, apiKey, 'Soak customer');
        await wizardUpTo(api, server.base, s.token, emu, p);
        const r = await api.call(server.base, 'POST', '/api/v1/wizard/credentials', {
          token: s.token,
          body: handoffBody(emu, p),
        });
        if (r.status !== 202) throw new Error(`hand-off ${r.status}`);
        const state = await eventually(
          () => stateOf(api, server.base, apiKey, s.id),
          (st) => st === 'verified' || st === 'failed',
          120_000,
        );
        if (state === 'verified') setupsVerified += 1;
        else {
          setupsFailed += 1;
          noteError('a setup failed verification');
        }
      } catch (e) {
        setupsFailed += 1;
        noteError(`setup flow: ${(e as Error).message}`);
      }
      responses.length = 0; // the soak keeps no bodies (memory of the load generator, not the server)
    }
  })();

  // Memory: RSS every second (reading /proc is cheap); the trend is taken after the warm-up (first fifth).
  const samples: { t: number; rss: number }[] = [];
  const started = Date.now();
  const sampler = setInterval(
    () => samples.push({ t: (Date.now() - started) / 1000, rss: rssMb(pid) }),
    1000,
  );
  samples.push({ t: 0, rss: rssMb(pid) });
  const progress = setInterval(
    () =>
      console.log(
        `t=${Math.round((Date.now() - started) / 1000)}s status=${statusRequests} sse=${sseDelivered} setups=${setupsVerified} errors=${errors.length} rss=${rssMb(pid).toFixed(1)}MB`,
      ),
    30_000,
  );
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  clearInterval(poller);
  clearInterval(poster);
  clearInterval(progress);
  clearInterval(sampler);
  samples.push({ t: SECONDS, rss: rssMb(pid) });
  const peakMb = procMb(pid, 'VmHWM');
  stopping = true;
  await flows;
  // Answers still on their way get a grace period; whatever is still unanswered after it is an error.
  const graceUntil = Date.now() + 5000;
  while (statusAnswered + statusFailed < statusRequests && Date.now() < graceUntil)
    await new Promise((r) => setTimeout(r, 50));
  const statusUnanswered = statusRequests - statusAnswered - statusFailed;
  // Each unanswered request is an error of its own; the requests are abandoned now, so their sockets' errors are not.
  measuring = false;
  if (statusUnanswered > 0) console.error(`error: ${statusUnanswered} status requests never answered`);
  unansweredTotal = statusUnanswered;
  const errorCount = errors.length + statusUnanswered;
  for (const s of sockets) s.destroy();
  agent.destroy();
  const alive = server.proc.alive();
  if (!alive) noteError('the server died');

  const status = [...statusLatencies].sort((a, b) => a - b);
  const sse = [...sseLatencies].sort((a, b) => a - b);
  const warm = samples.find((s) => s.t >= SECONDS / 5) ?? samples[0]!;
  const end = samples.at(-1)!;
  // GC floor: the lowest RSS of each 10-second window after warm-up; its slope is the trend (MB per minute).
  const floors = new Map<number, { x: number; y: number }>();
  for (const s of samples.filter((x) => x.t >= warm.t)) {
    const w = Math.floor(s.t / 10);
    const f = floors.get(w);
    if (!f || s.rss < f.y) floors.set(w, { x: s.t, y: s.rss });
  }
  const rssTrendMbPerMin = Number((slope([...floors.values()]) * 60).toFixed(2));
  const sseExpected = eventsPosted * WATCHERS_PER_SETUP;
  report(
    'soak',
    [
      {
        load: `status polling (${STATUS_RPS} req/s, open loop, from due time)`,
        count: statusAnswered,
        'p50 ms': pct(status, 50),
        'p95 ms': pct(status, 95),
        'p99 ms': pct(status, 99),
        'max ms': status.at(-1) ?? 0,
      },
      {
        load: `SSE to ${WATCHED * WATCHERS_PER_SETUP} watchers`,
        count: sseDelivered,
        'p50 ms': pct(sse, 50),
        'p95 ms': pct(sse, 95),
        'p99 ms': pct(sse, 99),
        'max ms': sse.at(-1) ?? 0,
      },
      { load: 'setups verified / failed', count: `${setupsVerified} / ${setupsFailed}` },
      {
        load: `status answered / failed / unanswered (of ${statusRequests} sent)`,
        count: `${statusAnswered} / ${statusFailed} / ${statusUnanswered}`,
      },
      {
        load: 'server RSS MB (start / after warm-up / end / peak VmHWM)',
        count: `${samples[0]!.rss.toFixed(1)} / ${warm.rss.toFixed(1)} / ${end.rss.toFixed(1)} / ${peakMb.toFixed(1)}`,
      },
      { load: 'RSS GC-floor trend after warm-up (MB/min)', count: rssTrendMbPerMin },
      { load: 'errors (failed, wrong status, unanswered, stream and flow errors)', count: errorCount },
    ],
    {
      seconds: SECONDS,
      errors: errorCount,
      p99Ms: Number(pct(status, 99).toFixed(2)),
      p50Ms: Number(pct(status, 50).toFixed(2)),
      statusRequests,
      statusAnswered,
      statusUnanswered,
      achievedStatusRps: Math.round(statusAnswered / SECONDS),
      sseDelivered,
      sseExpected,
      sseP99Ms: pct(sse, 99),
      setupsVerified,
      rssStartMb: Number(samples[0]!.rss.toFixed(1)),
      rssPeakMb: Number(peakMb.toFixed(1)),
      rssTrendMbPerMin,
    },
  );
  await issuer.close();
} finally {
  await killAll();
  removeDir(dir);
}
process.exit(errors.length + unansweredTotal === 0 ? 0 : 1);

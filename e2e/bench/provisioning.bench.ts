import type { StepEventInput } from '@kantiv/shared/events';
import type { StepId } from '@kantiv/shared/steps';
import { startEmulator, type Emulator } from '@kantiv/emulator';
// The engine is plain TypeScript (@kantiv/provisioning); the bench drives it from Node like the tests do.
import {
  createEngine,
  ENGINE_STEP_IDS,
  STEP_DEPENDENCIES,
  tokenScope,
  type TokenResource,
} from '@kantiv/provisioning';
import { report, type Row } from './report.ts';

/**
 * Full provisioning (Steps 1–5) against the emulator with a realistic latency profile: every Microsoft call takes
 * ~150 ms and Entra replicates new apps to Dataverse in ~20 s. The engine's dependency-graph run is measured next to
 * a purely sequential run of the same steps, each on a fresh tenant state.
 */
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 150);
const REPLICATION_S = Number(process.env.BENCH_REPLICATION_S ?? 20);

interface Measured {
  wallMs: number;
  requests: number;
  waits: number;
  steps: Map<StepId, { start: number; end: number; requests: number }>;
}

async function measure(emu: Emulator, concurrency: 'parallel' | 'sequential'): Promise<Measured> {
  emu.control.reset();
  emu.control.setScenario({ name: 'latency', service: 'all', ms: LATENCY_MS });
  emu.control.setScenario({ name: 'replication-delay', seconds: REPLICATION_S });
  const cache = new Map<string, Promise<string>>();
  const tokens = {
    getToken(resource: TokenResource) {
      const scope = tokenScope(resource);
      let p = cache.get(scope);
      if (!p) {
        p = emu.control.issueToken({ user: 'admin@contoso.com', scope });
        cache.set(scope, p);
      }
      return p;
    },
  };
  const events: StepEventInput[] = [];
  let requests = 0;
  const started = Date.now();
  const engine = createEngine({
    tokens,
    fetch: (input, init) => emu.fetch(input, init),
    config: { environmentUrl: 'https://contoso.crm.dynamics.com', concurrency },
    onEvent: (e) => events.push(e),
    onRequest: () => (requests += 1),
    // Same backoff schedule in both runs (no random jitter), so the comparison measures the dependency graph.
    clock: { random: () => 0.5 },
    handoff: async () => undefined,
  });
  const result = await engine.apply();
  const wallMs = Date.now() - started;
  if (result.status !== 'succeeded') {
    throw new Error(`provisioning ${concurrency} ended ${result.status}: ${JSON.stringify(result.error)}`);
  }
  const steps = new Map<StepId, { start: number; end: number; requests: number }>();
  for (const id of ENGINE_STEP_IDS) {
    const mine = events.filter((e) => e.step === id);
    const start = mine.find((e) => e.status === 'running');
    const end = mine.find((e) => e.status === 'succeeded' || e.status === 'skipped');
    if (start && end) {
      steps.set(id, {
        start: Date.parse(start.at) - started,
        end: Date.parse(end.at) - started,
        requests: 0,
      });
    }
  }
  return { wallMs, requests, waits: events.filter((e) => e.status === 'waiting').length, steps };
}

/** Longest chain of steps through the dependency graph, by measured step duration. */
function criticalPath(steps: Measured['steps']): StepId[] {
  const memo = new Map<StepId, { ms: number; path: StepId[] }>();
  const longest = (id: StepId): { ms: number; path: StepId[] } => {
    const hit = memo.get(id);
    if (hit) return hit;
    const s = steps.get(id);
    const own = s ? s.end - s.start : 0;
    const best = (STEP_DEPENDENCIES[id] ?? [])
      .map(longest)
      .reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0, path: [] as StepId[] });
    const out = { ms: best.ms + own, path: [...best.path, id] };
    memo.set(id, out);
    return out;
  };
  return ENGINE_STEP_IDS.map(longest).reduce((a, b) => (b.ms > a.ms ? b : a)).path;
}

const emu = await startEmulator();
try {
  const parallel = await measure(emu, 'parallel');
  const sequential = await measure(emu, 'sequential');
  const path = criticalPath(parallel.steps);
  const rows: Row[] = ENGINE_STEP_IDS.map((id) => {
    const p = parallel.steps.get(id);
    const s = sequential.steps.get(id);
    return {
      step: id,
      'parallel start ms': p?.start ?? '',
      'parallel end ms': p?.end ?? '',
      'sequential start ms': s?.start ?? '',
      'sequential end ms': s?.end ?? '',
      critical: path.includes(id) ? 'yes' : '',
    };
  });
  rows.push({
    step: 'total',
    'parallel end ms': parallel.wallMs,
    'sequential end ms': sequential.wallMs,
    critical: `${parallel.requests} / ${sequential.requests} requests`,
  });
  console.log(
    `latency ${LATENCY_MS} ms per call, replication ${REPLICATION_S} s; critical path: ${path.join(' → ')}`,
  );
  report('provisioning', rows, {
    requests: parallel.requests,
    wallMs: parallel.wallMs,
    sequentialWallMs: sequential.wallMs,
    sequentialRequests: sequential.requests,
    waits: parallel.waits,
    criticalPath: path.join('>'),
    latencyMs: LATENCY_MS,
    replicationS: REPLICATION_S,
  });
} finally {
  await emu.close();
}

import { readFileSync } from 'node:fs';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { StepEventInput } from '@kantiv/shared/events';
import type { StepId } from '@kantiv/shared/steps';
import { discoveryScope, graphScope } from '@kantiv/shared/clouds';
import { startEmulator, type Emulator } from '@kantiv/emulator';
// The engine is plain TypeScript (@kantiv/provisioning); the bench drives it from Node like the tests do.
import {
  createEngine,
  ENGINE_STEP_IDS,
  STEP_DEPENDENCIES,
  tokenScope,
  type TokenResource,
} from '@kantiv/provisioning';
import { startBenchServer } from './bench-server.ts';
import { report, type Row } from './report.ts';

/**
 * Full provisioning against the emulator with a realistic latency profile (every Microsoft call, the token endpoint
 * included, takes ~150 ms; Entra replicates new apps to Dataverse in ~20 s), from the admin's tokens to the server
 * saying "verified": the admin's tokens come from the emulated Entra's token endpoint (authorization code + PKCE at
 * sign-in, then one refresh-token grant per resource, as MSAL in the wizard does), the engine hands the credential to
 * the real server over loopback HTTP, and the server's verification job (msal-node, WhoAmI, every manifest table)
 * runs against the emulator. `wallMs` is all of that; `engineOnlyMs` is the engine's run without the time spent in
 * the hand-off request (what this bench measured before the hand-off was real). The engine's dependency-graph run is
 * measured next to a purely sequential run of the same steps, each on a fresh tenant state and a fresh server.
 */
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 150);
const REPLICATION_S = Number(process.env.BENCH_REPLICATION_S ?? 20);
const ADMIN = 'admin@contoso.com';
const ENVIRONMENT_URL = 'https://contoso.crm.dynamics.com';
const AUTHORITY = 'https://login.microsoftonline.com/organizations/oauth2/v2.0';
const REDIRECT_URI = 'http://localhost:5173/';
const ORIGIN = 'http://localhost:5173';
const FORM = { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN };
/** What the wizard asks for at sign-in (web/src/features/wizard/lib/auth.ts): Graph, and discovery consented up front. */
const SIGN_IN_SCOPES = [
  graphScope('https://graph.microsoft.com', 'Application.ReadWrite.All'),
  graphScope('https://graph.microsoft.com', 'User.Read'),
];

interface Measured {
  /** Start of the engine's run until the server says the setup is verified. */
  wallMs: number;
  /** Start of the engine's run until `apply()` resolved (the hand-off request included). */
  engineMs: number;
  /** `engineMs` without the time spent in the hand-off request. */
  engineOnlyMs: number;
  /** Time inside the hand-off request (the server seals the secret and queues the verification). */
  handoffMs: number;
  /** From the hand-off's answer until the server says verified (the verification job). */
  verificationMs: number;
  /** The admin's sign-in before the run (authorize + code redemption), not in `wallMs`. */
  signInMs: number;
  /** Token endpoint requests during the run (one refresh grant per resource). */
  tokenRequests: number;
  requests: number;
  waits: number;
  verificationAttempts: number;
  steps: Map<StepId, { start: number; end: number; requests: number }>;
}

/** A form POST to the emulated Entra's token endpoint through its network path (latency profile included). */
async function tokenRequest(emu: Emulator, form: Record<string, string>) {
  const res = await emu.fetch(`${AUTHORITY}/token`, {
    method: 'POST',
    headers: FORM,
    body: new URLSearchParams(form).toString(),
  });
  const body = (await res.json()) as Record<string, string>;
  if (res.status !== 200) throw new Error(`token endpoint ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

/**
 * The admin's sign-in as the wizard's MSAL does it (authorization code + PKCE; the `auto-sign-in` scenario stands in
 * for the clicks and the consent), with the server's nonce for this setup: the ID token binds the setup, the refresh
 * token buys every later access token at the token endpoint.
 */
async function signIn(emu: Emulator, nonce: string, wizardClientId: string) {
  emu.control.setScenario({ name: 'auto-sign-in', user: ADMIN });
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({
    client_id: wizardClientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: [
      ...SIGN_IN_SCOPES,
      discoveryScope('https://globaldisco.crm.dynamics.com'),
      'openid profile offline_access',
    ].join(' '),
    response_mode: 'query',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: randomUUID(),
    nonce,
  });
  const authz = await emu.fetch(`${AUTHORITY}/authorize?${q.toString()}`, { redirect: 'manual' });
  const location = authz.headers.get('location') ?? '';
  const code = new URL(location, REDIRECT_URI).searchParams.get('code');
  if (!code) throw new Error(`authorize: ${authz.status} ${location} ${(await authz.text()).slice(0, 300)}`);
  const tokens = await tokenRequest(emu, {
    client_id: wizardClientId,
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
    scope: [...SIGN_IN_SCOPES, 'openid profile offline_access'].join(' '),
  });
  if (!tokens.id_token || !tokens.refresh_token) throw new Error('sign-in returned no ID or refresh token');
  return { idToken: tokens.id_token, refreshToken: tokens.refresh_token };
}

async function measure(emu: Emulator, concurrency: 'parallel' | 'sequential'): Promise<Measured> {
  emu.control.reset();
  emu.control.setScenario({ name: 'latency', service: 'all', ms: LATENCY_MS });
  emu.control.setScenario({ name: 'replication-delay', seconds: REPLICATION_S });
  const wizardClientId = emu.seed.apps.wizard.appId;
  // A fresh server per run (a second connection of the same environment would be a repair, not a first run).
  const server = await startBenchServer(
    { certificate: emu.certificate, microsoftHostMap: emu.microsoftHostMap, wizardClientId },
    `provisioning-${concurrency}`,
    {},
  );
  const base = `http://127.0.0.1:${server.port}`;
  try {
    const created = await fetch(`${base}/api/v1/setups`, {
      method: 'POST',
      headers: { ...server.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ customerName: 'Contoso' }),
    });
    if (created.status !== 201 && created.status !== 200)
      throw new Error(`create setup: ${created.status} ${await created.text()}`);
    const { setup, inviteUrl } = (await created.json()) as { setup: { id: string }; inviteUrl: string };
    const setupAuth = { authorization: `Bearer ${new URL(inviteUrl).hash.replace('#token=', '')}` };
    const wizard = (await (await fetch(`${base}/api/v1/wizard/setup`, { headers: setupAuth })).json()) as {
      signInNonce: string;
    };
    const signInStarted = Date.now();
    const session = await signIn(emu, wizard.signInNonce, wizardClientId);
    const signInMs = Date.now() - signInStarted;
    const bound = await fetch(`${base}/api/v1/wizard/identity`, {
      method: 'POST',
      headers: { ...setupAuth, 'content-type': 'application/json' },
      body: JSON.stringify({ idToken: session.idToken }),
    });
    if (bound.status !== 200) throw new Error(`identity: ${bound.status} ${await bound.text()}`);

    // One refresh grant per resource, cached like MSAL's token cache and one at a time like the wizard's token
    // queue (web/src/features/wizard/lib/auth.ts): the emulated Entra, like Entra for a SPA, rotates the refresh
    // token on every use.
    let refreshToken = session.refreshToken;
    let tokenRequests = 0;
    let queue: Promise<unknown> = Promise.resolve();
    const cache = new Map<string, Promise<string>>();
    const tokens = {
      getToken(resource: TokenResource) {
        const scope = tokenScope(resource);
        let p = cache.get(scope);
        if (!p) {
          p = queue.then(async () => {
            tokenRequests += 1;
            const t = await tokenRequest(emu, {
              client_id: wizardClientId,
              grant_type: 'refresh_token',
              refresh_token: refreshToken,
              // MSAL adds these to every request; without offline_access no new refresh token comes back.
              scope: `${scope} openid profile offline_access`,
            });
            if (t.refresh_token) refreshToken = t.refresh_token;
            return t.access_token!;
          });
          queue = p.catch(() => undefined);
          cache.set(scope, p);
        }
        return p;
      },
    };
    const events: StepEventInput[] = [];
    let requests = 0;
    let handoffMs = 0;
    let handedOffAt = 0;
    const started = Date.now();
    const engine = createEngine({
      tokens,
      fetch: (input, init) => emu.fetch(input, init),
      config: { environmentUrl: ENVIRONMENT_URL, concurrency },
      onEvent: (e) => events.push(e),
      onRequest: () => (requests += 1),
      // Same backoff schedule in both runs (no random jitter), so the comparison measures the dependency graph.
      clock: { random: () => 0.5 },
      // The wizard's hand-off: the credential to our server, which seals it and queues the verification.
      handoff: async (request, signal) => {
        const t0 = Date.now();
        const res = await fetch(`${base}/api/v1/wizard/credentials`, {
          method: 'POST',
          headers: { ...setupAuth, 'content-type': 'application/json' },
          body: JSON.stringify(request),
          signal,
        });
        handoffMs += Date.now() - t0;
        handedOffAt = Date.now();
        if (res.status !== 202) throw new Error(`hand-off: ${res.status} ${await res.text()}`);
      },
    });
    const result = await engine.apply();
    const engineMs = Date.now() - started;
    if (result.status !== 'succeeded') {
      throw new Error(`provisioning ${concurrency} ended ${result.status}: ${JSON.stringify(result.error)}`);
    }
    if (handedOffAt === 0) throw new Error('the engine never handed the credential off');
    // The server's answer, polled over loopback (50 ms: the resolution of wallMs's last part).
    let state = '';
    let verification: { attempts?: number } | undefined;
    const deadline = Date.now() + 15 * 60_000;
    while (state !== 'verified') {
      const res = await fetch(`${base}/api/v1/setups/${setup.id}`, { headers: server.auth });
      const body = (await res.json()) as { state: string; verification?: { attempts?: number } };
      state = body.state;
      verification = body.verification;
      if (state === 'failed' || Date.now() > deadline)
        throw new Error(`verification ended ${state}: ${JSON.stringify(body)}`);
      if (state !== 'verified') await new Promise((r) => setTimeout(r, 50));
    }
    const wallMs = Date.now() - started;
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
    return {
      wallMs,
      engineMs,
      engineOnlyMs: engineMs - handoffMs,
      handoffMs,
      verificationMs: started + wallMs - handedOffAt,
      signInMs,
      tokenRequests,
      requests,
      waits: events.filter((e) => e.status === 'waiting').length,
      verificationAttempts: verification?.attempts ?? 0,
      steps,
    };
  } finally {
    await server.app.close();
  }
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

const loadAtStart = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
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
    step: 'engine only (no hand-off)',
    'parallel end ms': parallel.engineOnlyMs,
    'sequential end ms': sequential.engineOnlyMs,
  });
  rows.push({
    step: 'hand-off request',
    'parallel end ms': parallel.handoffMs,
    'sequential end ms': sequential.handoffMs,
  });
  rows.push({
    step: 'engine (apply)',
    'parallel end ms': parallel.engineMs,
    'sequential end ms': sequential.engineMs,
  });
  rows.push({
    step: 'verified by the server',
    'parallel end ms': parallel.wallMs,
    'sequential end ms': sequential.wallMs,
    critical: `${parallel.requests} / ${sequential.requests} requests`,
  });
  console.log(
    `latency ${LATENCY_MS} ms per call (token endpoint included), replication ${REPLICATION_S} s; ` +
      `critical path: ${path.join(' → ')}; sign-in ${parallel.signInMs} ms before the run; ` +
      `verification ${parallel.verificationMs} ms after the hand-off (${parallel.verificationAttempts} attempt(s))`,
  );
  report('provisioning', rows, {
    requests: parallel.requests,
    tokenRequests: parallel.tokenRequests,
    wallMs: parallel.wallMs,
    engineMs: parallel.engineMs,
    engineOnlyMs: parallel.engineOnlyMs,
    handoffMs: parallel.handoffMs,
    verificationMs: parallel.verificationMs,
    verificationAttempts: parallel.verificationAttempts,
    signInMs: parallel.signInMs,
    sequentialWallMs: sequential.wallMs,
    sequentialEngineOnlyMs: sequential.engineOnlyMs,
    sequentialRequests: sequential.requests,
    waits: parallel.waits,
    criticalPath: path.join('>'),
    latencyMs: LATENCY_MS,
    replicationS: REPLICATION_S,
    loadavgStart: loadAtStart,
    loadavgEnd: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  });
} finally {
  await emu.close();
}

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiErrorSchema } from '@kantiv/shared/errors';
import { killAll } from './support/processes.ts';
import { sleep } from './support/timing.ts';
import {
  newApiKey,
  newKey,
  removeDir,
  startServer,
  tempDir,
  type ServerProc,
} from './support/server-process.ts';
import { apiClient, type Res } from './support/api-client.ts';
import { createSetup } from './support/setup-flows.ts';

/**
 * Abuse limits on a real server process (SQLite): unauthenticated and token-bearing routes answer 429 in the shared
 * error shape with Retry-After once a caller's budget is spent, and recover when the window ends. Guessing tokens
 * (a new token per request, so a fresh per-token bucket each time) is limited per client address.
 */
const MAX = 5;
const WINDOW_MS = 4000;
const api = apiClient([]);
const apiKey = newApiKey();
let dir: string;
let server: ServerProc;

beforeAll(async () => {
  dir = tempDir('kc-rel-rate-');
  server = await startServer('rate-limited', {
    DATA_DIR: dir,
    KANTIV_KEYS: newKey('k1'),
    KANTIV_BOOTSTRAP_API_KEY: apiKey,
    RATE_LIMIT_MAX: String(MAX),
    RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
    JOBS_ENABLED: 'false',
  });
}, 120_000);

afterAll(async () => {
  await killAll();
  if (dir) removeDir(dir);
});

function expectLimited(res: Res) {
  expect(res.status).toBe(429);
  const body = ApiErrorSchema.parse(res.json());
  expect(body.error.code).toBe('rate_limited');
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(Math.ceil(WINDOW_MS / 1000));
}

async function burst(n: number, send: (i: number) => Promise<Res>): Promise<Res[]> {
  const out: Res[] = [];
  for (let i = 0; i < n; i += 1) out.push(await send(i));
  return out;
}

const waitForWindow = () => sleep(WINDOW_MS + 500);

describe('abuse limits', { timeout: 120_000 }, () => {
  it('an unauthenticated route (client config) allows its budget, then 429 with Retry-After, then recovers', async () => {
    const res = await burst(MAX + 2, () => api.call(server.base, 'GET', '/api/v1/client-config'));
    expect(res.slice(0, MAX).map((r) => r.status)).toEqual(Array(MAX).fill(200));
    for (const r of res.slice(MAX)) expectLimited(r);
    await waitForWindow();
    expect((await api.call(server.base, 'GET', '/api/v1/client-config')).status).toBe(200);
  });

  it('a setup token has its own budget on every wizard route; another setup is not affected', async () => {
    await waitForWindow();
    const one = await createSetup(api, server.base, apiKey);
    const two = await createSetup(api, server.base, apiKey);
    const routes: [string, string, unknown][] = [
      ['GET', '/api/v1/wizard/setup', undefined],
      ['POST', '/api/v1/wizard/events', { events: [] }],
      ['POST', '/api/v1/wizard/identity', { idToken: 'x' }],
      ['POST', '/api/v1/wizard/credentials', {}],
    ];
    for (const [method, path, body] of routes) {
      const res = await burst(MAX + 1, () => api.call(server.base, method, path, { token: one.token, body }));
      expect(res.slice(0, MAX).every((r) => r.status !== 429)).toBe(true);
      expectLimited(res[MAX]!);
      const other = await api.call(server.base, method, path, { token: two.token, body });
      expect(other.status, `${method} ${path}`).not.toBe(429);
      await waitForWindow();
    }
  });

  it('token vending is limited per API key', async () => {
    const res = await burst(MAX + 1, () =>
      api.call(server.base, 'POST', `/api/v1/connections/00000000-0000-4000-8000-000000000000/token`, {
        token: apiKey,
      }),
    );
    expect(res.slice(0, MAX).map((r) => r.status)).toEqual(Array(MAX).fill(404));
    expectLimited(res[MAX]!);
    await waitForWindow();
  });

  it('guessing setup tokens or API keys (a new one per request) is limited per client address', async () => {
    const guesses = await burst(MAX * 3, () =>
      api.call(server.base, 'GET', '/api/v1/wizard/setup', { token: randomBytes(32).toString('base64url') }),
    );
    expect(guesses.slice(0, MAX).map((r) => r.status)).toEqual(Array(MAX).fill(401));
    const limited = guesses.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(MAX * 2 - 1);
    expectLimited(limited[0]!);
    // API keys on staff/API routes are refused for the same address too, even the right one, until the window ends.
    const keyGuess = await api.call(server.base, 'GET', '/api/v1/setups', { token: newApiKey() });
    expectLimited(keyGuess);
    await waitForWindow();
    expect((await api.call(server.base, 'GET', '/api/v1/setups', { token: apiKey })).status).toBe(200);
    const keyGuesses = await burst(MAX * 2, () =>
      api.call(server.base, 'GET', '/api/v1/setups', { token: newApiKey() }),
    );
    expect(keyGuesses.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(MAX - 1);
    await waitForWindow();
  });

  it('the server stays healthy after the bursts', async () => {
    expect((await api.call(server.base, 'GET', '/healthz')).status).toBe(200);
    expect(server.proc.alive()).toBe(true);
  });
});

import autocannon from 'autocannon';
import Fastify from 'fastify';
import { buildApp } from '@kantiv/server/app';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKeySpec, loadConfig } from '@kantiv/server/config';
import { report } from './report.ts';

/**
 * Harness check: our /healthz (zod serializer, error handler, full plugin tree) next to a bare Fastify
 * hello-world, measured in the same run so machine noise affects both.
 */
const DURATION_S = Number(process.argv[2] ?? 5);

async function measure(url: string) {
  const r = await autocannon({ url, connections: 20, duration: DURATION_S });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

const bare = Fastify({ logger: false });
bare.get('/', () => ({ hello: 'world' }));
await bare.listen({ port: 0, host: '127.0.0.1' });
const bareAddr = bare.server.address();
const barePort = typeof bareAddr === 'object' && bareAddr ? bareAddr.port : 0;

const app = await buildApp({
  config: loadConfig({
    LOG_LEVEL: 'silent',
    KANTIV_KEYS: generateKeySpec('bench'),
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'kc-bench-')),
  }),
  logger: false,
});
await app.listen({ port: 0, host: '127.0.0.1' });
const appAddr = app.server.address();
const appPort = typeof appAddr === 'object' && appAddr ? appAddr.port : 0;

const bareResult = await measure(`http://127.0.0.1:${barePort}/`);
const healthResult = await measure(`http://127.0.0.1:${appPort}/healthz`);
await Promise.all([bare.close(), app.close()]);

report(
  'health',
  [
    { target: 'bare fastify', 'req/s': bareResult.rps, 'p99 ms': bareResult.p99, errors: bareResult.errors },
    {
      target: 'GET /healthz',
      'req/s': healthResult.rps,
      'p99 ms': healthResult.p99,
      errors: healthResult.errors,
    },
  ],
  {
    healthRps: Math.round(healthResult.rps),
    bareRps: Math.round(bareResult.rps),
    ratio: Number((healthResult.rps / bareResult.rps).toFixed(3)),
    healthP99Ms: healthResult.p99,
    errors: bareResult.errors + healthResult.errors,
  },
);

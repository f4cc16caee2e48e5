import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ApiErrorSchema } from '@kantiv/shared/errors';
import { HealthSchema } from '@kantiv/shared/health';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

let app: FastifyInstance;

beforeAll(async () => {
  app = await buildApp({ config: loadConfig({}), logger: false });
});
afterAll(async () => {
  await app.close();
});

describe('GET /healthz', () => {
  it('answers with the health contract', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(HealthSchema.parse(res.json()).service).toBe('kantiv-connect');
  });
});

describe('error handling', () => {
  it('answers an unknown route with 404 in the shared error shape', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(ApiErrorSchema.parse(res.json()).error.code).toBe('not_found');
  });
});

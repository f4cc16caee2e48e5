import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazyChildLogger } from '../src/logging.ts';
import { describeDialects } from './helpers/databases.ts';
import { bearer, useTestApp } from './helpers/app.ts';

type Line = Record<string, unknown> & { msg?: string; reqId?: string };

function capture(level: string) {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Line);
      cb();
    },
  });
  // Fastify's own pino logger, as the app gets it.
  const parent = Fastify({ logger: { level, stream } }).log;
  let children = 0;
  // Wrapped with its `this` kept, so the children of children still descend from the right logger.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const child = parent.child;
  parent.child = function (this: FastifyBaseLogger, ...args: Parameters<typeof child>) {
    children += 1;
    return child.apply(this, args);
  };
  const make = (bindings: Record<string, unknown>) =>
    lazyChildLogger.call(undefined as never, parent, bindings, {}, undefined as never);
  return { lines, make, children: () => children };
}

describe('request loggers (lazyChildLogger)', () => {
  it('writes what a pino child writes, with the request id, making the child on the first line only', () => {
    const log = capture('info');
    const logger = log.make({ reqId: 'req-7' });
    expect(log.children()).toBe(0);
    logger.info({ step: 'a' }, 'first');
    logger.warn('second');
    expect(log.children()).toBe(1);
    expect(log.lines.map((l) => [l.reqId, l.msg, l.level])).toEqual([
      ['req-7', 'first', 30],
      ['req-7', 'second', 40],
    ]);
    expect(log.lines[0]?.step).toBe('a');
    // Children of the request logger keep its bindings.
    logger.child({ job: 'j1' }).error('third');
    expect(log.lines[2]).toMatchObject({ reqId: 'req-7', job: 'j1', msg: 'third', level: 50 });
  });

  it('below the level, writes nothing and makes no child', () => {
    const log = capture('warn');
    const logger = log.make({ reqId: 'req-8' });
    logger.info('hidden');
    logger.debug('hidden');
    expect(log.children()).toBe(0);
    expect(logger.level).toBe('warn');
    logger.error(new Error('shown'));
    expect(log.children()).toBe(1);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatchObject({ reqId: 'req-8', level: 50, msg: 'shown' });
  });
});

describeDialects('access log (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  it('writes one line per request, when it completes, with method, URL, status, time and request id', async () => {
    const before = ctx.logs.length;
    const res = await ctx.call({ method: 'GET', url: '/api/v1/setups?limit=1', headers: bearer(ctx.apiKey) });
    expect(res.statusCode).toBe(200);
    const lines = ctx.logs.slice(before).map((l) => JSON.parse(l) as Line);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { method: 'GET', url: '/api/v1/setups?limit=1' },
      res: { statusCode: 200 },
    });
    expect(lines[0]?.reqId).toMatch(/^req-/);
    expect(typeof lines[0]?.responseTime).toBe('number');
    // The credential in the request is not part of the line.
    expect(JSON.stringify(lines)).not.toContain(ctx.apiKey);
    expect(ctx.logs.join('')).not.toContain('incoming request');
  });

  it('logs a refused request at info with its status', async () => {
    const before = ctx.logs.length;
    await ctx.call({ method: 'GET', url: '/api/v1/setups', headers: bearer('kc_not-a-key') });
    const lines = ctx.logs.slice(before).map((l) => JSON.parse(l) as Line);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'request completed', res: { statusCode: 401 } });
    expect(JSON.stringify(lines)).not.toContain('kc_not-a-key');
  });
});

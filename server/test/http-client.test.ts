import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, RequestTimeout } from '../src/lib/http-client.ts';
import { startTrickleReceiver } from './helpers/trickle.ts';

describe('HTTP client deadline', () => {
  let trickle: Awaited<ReturnType<typeof startTrickleReceiver>>;
  beforeAll(async () => {
    trickle = await startTrickleReceiver(200);
  });
  afterAll(() => trickle.close());

  it('cuts an answer that trickles a byte every 200 ms at the overall deadline', async () => {
    const client = createHttpClient();
    const started = Date.now();
    const outcome = await Promise.race([
      client.request(trickle.url, { method: 'POST', body: '{}', timeoutMs: 1000 }).then(
        () => 'answered',
        (err: unknown) => err,
      ),
      new Promise((r) => setTimeout(() => r('still running after 5 s'), 5000)),
    ]);
    client.close();
    expect(outcome).toBeInstanceOf(RequestTimeout);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

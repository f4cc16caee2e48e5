import http from 'node:http';

/**
 * A loopback receiver that answers 200 at once and then sends one byte of body every `everyMs`, forever: the
 * receiver that an idle-socket timeout never cuts. `requests` counts what reached it.
 */
export async function startTrickleReceiver(everyMs = 200) {
  const timers = new Set<NodeJS.Timeout>();
  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    state.requests += 1;
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    const t = setInterval(() => res.write('.'), everyMs);
    timers.add(t);
    res.on('close', () => {
      clearInterval(t);
      timers.delete(t);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    state,
    close: async () => {
      for (const t of timers) clearInterval(t);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

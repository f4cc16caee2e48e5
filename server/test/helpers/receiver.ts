import http from 'node:http';

export type Receiver = { base: string; port: number; close: () => Promise<void> };

/**
 * A webhook receiver the test itself starts on 127.0.0.1 (the only address tests may send to): `answer` gets each
 * request with its whole body and writes the answer.
 */
export async function startReceiver(
  answer: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void,
): Promise<Receiver> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => answer(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

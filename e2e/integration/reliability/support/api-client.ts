import http from 'node:http';
import { jsonRequest } from '@kantiv/emulator/test-support/json-request';

export type Res = { status: number; headers: Headers; text: string; json: <T = unknown>() => T };

/** Calls our servers over real HTTP; every response (headers and body) is kept for the leak search. */
export function apiClient(responses: string[]) {
  async function call(
    base: string,
    method: string,
    pathname: string,
    opts: { token?: string | undefined; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Res> {
    const res = await fetch(`${base}${pathname}`, jsonRequest(method, opts));
    const text = await res.text();
    const h: string[] = [];
    res.headers.forEach((v, k) => h.push(`${k}: ${v}`));
    responses.push(h.join('\n'), text);
    return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
  }
  return { call };
}
export type Api = ReturnType<typeof apiClient>;

/** A Server-Sent Events watcher over real HTTP; every byte received is kept. */
export function watch(
  base: string,
  setupId: string,
  token: string,
  responses: string[],
  lastEventId?: number,
) {
  const events: { id: number; type: string; data: Record<string, unknown> }[] = [];
  let status = 0;
  let raw = '';
  let req: http.ClientRequest | undefined;
  const opened = new Promise<number>((resolve, reject) => {
    req = http.get(
      `${base}/api/v1/setups/${setupId}/events`,
      {
        headers: {
          accept: 'text/event-stream',
          authorization: `Bearer ${token}`,
          ...(lastEventId !== undefined ? { 'last-event-id': String(lastEventId) } : {}),
        },
      },
      (res) => {
        status = res.statusCode ?? 0;
        resolve(status);
        let pending = '';
        res.on('data', (chunk: Buffer) => {
          const text = chunk.toString('utf8');
          raw += text;
          pending += text;
          const blocks = pending.split('\n\n');
          pending = blocks.pop() ?? '';
          for (const block of blocks) {
            const fields: Record<string, string> = {};
            for (const line of block.split('\n')) {
              const i = line.indexOf(':');
              if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).trimStart();
            }
            if (fields.data && fields.id)
              events.push({
                id: Number(fields.id),
                type: fields.event ?? 'message',
                data: JSON.parse(fields.data) as Record<string, unknown>,
              });
          }
        });
        res.on('error', () => undefined);
      },
    );
    req.on('error', reject);
  });
  return {
    events,
    opened,
    status: () => status,
    close() {
      responses.push(raw);
      req?.destroy();
    },
  };
}

import http from 'node:http';

export type ExportedSpan = {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  status: { code?: number };
  service: string;
};

export type OtlpReceiver = {
  /** `http://127.0.0.1:<port>`: the base for OTEL_EXPORTER_OTLP_ENDPOINT. */
  base: string;
  /** Every request body received on /v1/traces, as sent (JSON text). */
  bodies: string[];
  spans(): ExportedSpan[];
  /** Waits until `find` answers something from the spans received so far. */
  waitFor<T>(find: (spans: ExportedSpan[]) => T | undefined, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
};

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
type KeyValue = { key: string; value: AnyValue };
type OtlpBody = {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: KeyValue[];
        status?: { code?: number };
      }[];
    }[];
  }[];
};

const plain = (v: AnyValue) => v.stringValue ?? v.boolValue ?? v.doubleValue ?? Number(v.intValue);
const record = (kvs: KeyValue[] = []) => Object.fromEntries(kvs.map((kv) => [kv.key, plain(kv.value)]));

/**
 * A real OTLP/HTTP receiver (JSON encoding) on 127.0.0.1, as a collector's `otlphttp` receiver: it takes
 * `POST /v1/traces` with `content-type: application/json`, answers 200 with an empty partial success, and keeps
 * every body so a test can read the spans, or search the raw text for what must never be in it.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (
        req.method !== 'POST' ||
        req.url !== '/v1/traces' ||
        !req.headers['content-type']?.includes('json')
      ) {
        res.writeHead(404).end();
        return;
      }
      bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const spans = () =>
    bodies.flatMap((text) =>
      ((JSON.parse(text) as OtlpBody).resourceSpans ?? []).flatMap((rs) => {
        const service = String(record(rs.resource?.attributes)['service.name']);
        return (rs.scopeSpans ?? []).flatMap((ss) =>
          (ss.spans ?? []).map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId || undefined,
            name: s.name,
            kind: s.kind,
            attributes: record(s.attributes),
            status: s.status ?? {},
            service,
          })),
        );
      }),
    );
  return {
    base: `http://127.0.0.1:${port}`,
    bodies,
    spans,
    async waitFor(find, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = find(spans());
        if (found !== undefined && found !== false) return found;
        if (Date.now() > until) throw new Error(`no such spans after ${timeoutMs} ms: ${find.toString()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

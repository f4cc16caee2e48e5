import type { Api } from './api-client.ts';

/** One operation as the running server publishes it, so a suite covers every route without keeping a copy. */
export type Operation = {
  method: string;
  path: string;
  query: string[];
  bodyKeys: string[] | undefined;
};

type OpenApiDocument = {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string }[];
        requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
      }
    >
  >;
};

/** The operations of the server's own OpenAPI document, in document order; `bodyKeys` are its JSON body's properties. */
export async function readOperations(api: Api, base: string): Promise<Operation[]> {
  const doc = (await api.call(base, 'GET', '/docs/json')).json<OpenApiDocument>();
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      bodyKeys: op.requestBody
        ? Object.keys(op.requestBody.content?.['application/json']?.schema?.properties ?? {})
        : undefined,
    })),
  );
}

/** The suites' request: an optional bearer token and a JSON body (a string body is sent as it is). */
export function jsonRequest(
  method: string,
  opts: { token?: string | undefined; body?: unknown; headers?: Record<string, string> },
): RequestInit {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body === undefined) return { method, headers };
  headers['content-type'] ??= 'application/json';
  return { method, headers, body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) };
}

/**
 * Tracing settings from OpenTelemetry's own environment variables (the names every OTel SDK reads), so operators
 * configure this server as they configure any other service. Tracing is opt-in: it is on only when an OTLP
 * endpoint is set (or `OTEL_TRACES_EXPORTER=otlp` asks for the default one), and `OTEL_SDK_DISABLED=true` or
 * `OTEL_TRACES_EXPORTER=none` turn it off whatever else is set.
 */
export type TracingSettings =
  | { enabled: false }
  | {
      enabled: true;
      /** Where spans go: the traces endpoint as given, or `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`. */
      endpoint: string;
      headers: Record<string, string>;
      serviceName: string;
      /** OTEL_RESOURCE_ATTRIBUTES, parsed. */
      resource: Record<string, string>;
      /** OTEL_BSP_SCHEDULE_DELAY: how long spans wait in the batch before they are sent. */
      batchDelayMs: number;
    };

/** Parses the OTEL_* variables; a value this server cannot honour is a problem named by its variable. */
export function tracingSettings(
  env: Record<string, string | undefined>,
  problems: string[],
): TracingSettings {
  const get = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  if (get('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return { enabled: false };
  const exporter = get('OTEL_TRACES_EXPORTER')?.toLowerCase();
  if (exporter === 'none') return { enabled: false };
  if (exporter !== undefined && exporter !== 'otlp') {
    problems.push(`OTEL_TRACES_EXPORTER: only "otlp" or "none" are supported (got "${exporter}")`);
    return { enabled: false };
  }
  const tracesEndpoint = get('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const baseEndpoint = get('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (!tracesEndpoint && !baseEndpoint && exporter !== 'otlp') return { enabled: false };
  // The JSON exporter is the one this server ships; protobuf and gRPC would need another exporter package.
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const protocol = get(name);
    if (protocol !== undefined && protocol !== 'http/json')
      problems.push(`${name}: only "http/json" is supported (got "${protocol}")`);
  }
  const endpoint =
    tracesEndpoint ?? `${(baseEndpoint ?? 'http://localhost:4318').replace(/\/$/, '')}/v1/traces`;
  try {
    if (!/^https?:$/.test(new URL(endpoint).protocol)) throw new Error('scheme');
  } catch {
    problems.push(`OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT: not an http(s) URL`);
  }
  const delay = Number(get('OTEL_BSP_SCHEDULE_DELAY') ?? 5000);
  if (!Number.isFinite(delay) || delay < 0)
    problems.push('OTEL_BSP_SCHEDULE_DELAY: not a number of milliseconds');
  const resource = pairs(get('OTEL_RESOURCE_ATTRIBUTES'));
  return {
    enabled: true,
    endpoint,
    // The traces-specific headers win over the general ones, as the OTLP exporter specification says.
    headers: {
      ...pairs(get('OTEL_EXPORTER_OTLP_HEADERS')),
      ...pairs(get('OTEL_EXPORTER_OTLP_TRACES_HEADERS')),
    },
    serviceName: get('OTEL_SERVICE_NAME') ?? resource['service.name'] ?? 'kantiv-connect',
    resource,
    batchDelayMs: Number.isFinite(delay) && delay >= 0 ? delay : 5000,
  };
}

/** `key1=value1,key2=value2` with percent-encoded values (W3C Baggage octets), as OTel's variables use. */
function pairs(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '').split(',')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const key = part.slice(0, at).trim();
    try {
      out[key] = decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      out[key] = part.slice(at + 1).trim();
    }
  }
  return out;
}

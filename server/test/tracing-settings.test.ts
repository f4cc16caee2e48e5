import { describe, expect, it } from 'vitest';
import { loadConfig, generateKeySpec } from '../src/config.ts';
import { tracingSettings } from '../src/services/telemetry/tracing-settings.ts';

const parse = (env: Record<string, string>) => {
  const problems: string[] = [];
  return { settings: tracingSettings(env, problems), problems };
};

describe('tracing settings from the standard OTEL_* variables', () => {
  it('is off by default, and OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none win over an endpoint', () => {
    expect(parse({}).settings).toEqual({ enabled: false });
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(parse({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).settings).toEqual({ enabled: false });
    expect(parse({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).settings).toEqual({ enabled: false });
    // The server's own configuration says so too (loadConfig is the only reader of the environment).
    expect(loadConfig({ KANTIV_KEYS: generateKeySpec('k1') }).tracing).toEqual({ enabled: false });
  });

  it('an endpoint turns it on: the traces endpoint as given, or the base endpoint with /v1/traces', () => {
    expect(parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).settings).toMatchObject({
      enabled: true,
      endpoint: 'http://collector:4318/v1/traces',
      serviceName: 'kantiv-connect',
    });
    const { settings, problems } = parse({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp/v1/traces',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-team=ops,authorization=Basic%20abc',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=kantiv',
      OTEL_SERVICE_NAME: 'connect-eu',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.namespace=kantiv',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '1000',
    });
    expect(problems).toEqual([]);
    expect(settings).toEqual({
      enabled: true,
      endpoint: 'https://traces.example.com/otlp/v1/traces',
      headers: { 'x-team': 'kantiv', authorization: 'Basic abc' },
      serviceName: 'connect-eu',
      resource: { 'deployment.environment': 'prod', 'service.namespace': 'kantiv' },
      batchDelayMs: 1000,
    });
    expect(parse({ OTEL_TRACES_EXPORTER: 'otlp' }).settings).toMatchObject({
      endpoint: 'http://localhost:4318/v1/traces',
    });
  });

  it('what this server cannot honour is refused at start, named by its variable', () => {
    expect(
      parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).problems,
    ).toEqual(['OTEL_EXPORTER_OTLP_PROTOCOL: only "http/json" is supported (got "grpc")']);
    expect(parse({ OTEL_TRACES_EXPORTER: 'zipkin' }).problems[0]).toMatch(/^OTEL_TRACES_EXPORTER:/);
    expect(() =>
      loadConfig({
        KANTIV_KEYS: generateKeySpec('k1'),
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://x/v1/traces',
      }),
    ).toThrow(/OTEL_EXPORTER_OTLP_\(TRACES_\)ENDPOINT/);
  });
});

import type http from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createEmulatorFetch, microsoftHostMap } from '@kantiv/emulator';
import { jsonRequest } from '@kantiv/emulator/test-support/json-request';
import { spawnNode, type Proc } from './processes.ts';

export type Reply = { status: number; headers: http.IncomingHttpHeaders; text: string; json: unknown };

/** The emulator in its own process, reached through production host names (SNI + Host), trusting its certificate. */
export type EmulatorProc = {
  proc: Proc;
  port: number;
  certificate: string;
  caFile: string;
  tenants: { contoso: string; fabrikam: string; kantiv: string };
  wizardClientId: string;
  org: { url: string; apiUrl: string };
  request(
    url: string,
    init?: { method?: string; headers?: Record<string, string>; body?: unknown },
  ): Promise<Reply>;
  control(method: string, pathname: string, body?: unknown): Promise<Reply>;
  hostMapEnv(): Record<string, string>;
};

export async function startEmulatorProcess(dir: string, replicationDelayMs = 0): Promise<EmulatorProc> {
  const { proc, match } = await spawnNode(
    'emulator',
    'e2e/integration/reliability/support/emulator-main.ts',
    { REPLICATION_DELAY_MS: String(replicationDelayMs) },
    /^emulator ready (\{.*\})$/,
  );
  const info = JSON.parse(match[1]!) as {
    port: number;
    certificate: string;
    tenants: EmulatorProc['tenants'];
    wizardClientId: string;
    environments: { name: string; url: string; apiUrl: string }[];
  };
  const caFile = path.join(dir, 'emulator-ca.pem');
  writeFileSync(caFile, info.certificate);
  const org = info.environments.find((e) => e.name === 'Contoso Production')!;
  // The emulator's own Node fetch: production host names resolved to it, its certificate trusted (decision 007).
  const emulatorFetch = createEmulatorFetch(info.port, info.certificate);
  const request: EmulatorProc['request'] = async (url, init = {}) => {
    const res = await emulatorFetch(url, jsonRequest(init.method ?? 'GET', init));
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const headers: http.IncomingHttpHeaders = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    return { status: res.status, headers, text, json };
  };
  return {
    proc,
    port: info.port,
    certificate: info.certificate,
    caFile,
    tenants: info.tenants,
    wizardClientId: info.wizardClientId,
    org,
    request,
    control: (method, pathname, body) =>
      request(`https://localhost:${info.port}/_emulator${pathname}`, { method, body }),
    hostMapEnv: () => ({
      KANTIV_DEV_MODE: 'true',
      MICROSOFT_AUTHORITY_HOST: 'https://login.microsoftonline.com',
      MICROSOFT_HOST_MAP: microsoftHostMap(info.port),
      MICROSOFT_CA_FILE: caFile,
      WIZARD_CLIENT_ID: info.wizardClientId,
    }),
  };
}

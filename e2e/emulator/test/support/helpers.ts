import type { Emulator } from '../../src/index.ts';
import { jsonRequest } from './json-request.ts';

export const GRAPH = 'https://graph.microsoft.com/v1.0';

export interface Called {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
  text: string;
}

/** Calls an emulated service through production URLs (the emulator's fetch maps Microsoft hosts to it). */
export async function call(
  emulator: Emulator,
  url: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Called> {
  const res = await emulator.fetch(url, jsonRequest(init.method ?? 'GET', init));
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = {};
  }
  return { status: res.status, headers: res.headers, json, text };
}

export function errorOf(r: Called): { code: string; message: string; innerError?: Record<string, unknown> } {
  return (r.json.error ?? {}) as { code: string; message: string; innerError?: Record<string, unknown> };
}

export async function tokenFor(emulator: Emulator, user: string, scope: string): Promise<string> {
  return emulator.control.issueToken({ user, scope });
}

export function decodeClaims(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Registers an application in Contoso with its service principal, as Contoso's administrator. */
export async function createAppWithPrincipal(
  emulator: Emulator,
  displayName: string,
): Promise<{ id: string; appId: string }> {
  const graph = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');
  const app = await call(emulator, `${GRAPH}/applications`, {
    method: 'POST',
    token: graph,
    body: { displayName, signInAudience: 'AzureADMyOrg' },
  });
  await call(emulator, `${GRAPH}/servicePrincipals`, {
    method: 'POST',
    token: graph,
    body: { appId: app.json.appId },
  });
  return { id: String(app.json.id), appId: String(app.json.appId) };
}

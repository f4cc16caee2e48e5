import { beforeAll, expect } from 'vitest';
import { emulator, useEmulator } from './emulator-fixture.ts';

export const LOGIN = 'https://login.microsoftonline.com';
export const SPA = 'http://localhost:5173/';
export const ORIGIN = 'http://localhost:5173';
export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** The wizard's app id and Contoso's tenant id in the file's emulator (live bindings, as `emulator` is). */
export let clientId: string;
export let tid: string;

/** The Entra suites' emulator: one per file, reset before each test, with the wizard app and Contoso at hand. */
export function useEntraEmulator(): void {
  useEmulator();
  beforeAll(() => {
    clientId = emulator.seed.apps.wizard.appId;
    tid = emulator.tenants.contoso;
  });
}

export function expectAadsts(json: Record<string, unknown>, error: string, code: number): void {
  expect(json.error).toBe(error);
  expect(json.error_codes).toEqual([code]);
  expect(String(json.error_description)).toMatch(
    new RegExp(`^AADSTS${code}: .+Trace ID: .+Correlation ID: .+Timestamp: `),
  );
  expect(json).toHaveProperty('trace_id');
  expect(json).toHaveProperty('correlation_id');
  expect(json).toHaveProperty('timestamp');
  expect(json.error_uri).toBe(`https://login.microsoftonline.com/error?code=${code}`);
}

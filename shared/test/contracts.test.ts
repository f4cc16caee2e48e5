import { describe, expect, it } from 'vitest';
import { CredentialHandoffRequestSchema } from '../src/credentials.ts';
import { StepEventInputSchema } from '../src/events.ts';
import { DEFAULT_MANIFEST, ManifestSchema, privilegeName } from '../src/manifest.ts';
import { CreateSetupRequestSchema } from '../src/setup.ts';

describe('contracts', () => {
  it('the default manifest is valid and names privileges as Dataverse does', () => {
    expect(ManifestSchema.parse(DEFAULT_MANIFEST).tables.length).toBeGreaterThan(0);
    expect(privilegeName('Read', 'Account')).toBe('prvReadAccount');
  });

  it('a manifest may not list a table twice', () => {
    const table = DEFAULT_MANIFEST.tables[0];
    expect(ManifestSchema.safeParse({ roleName: 'x', tables: [table, table] }).success).toBe(false);
  });

  it('a step event cannot carry fields outside the allowed identifiers (no secrets ride along)', () => {
    const base = {
      seq: 1,
      step: 'credential',
      status: 'succeeded',
      at: new Date().toISOString(),
      message: 'ok',
    };
    expect(StepEventInputSchema.safeParse(base).success).toBe(true);
    expect(StepEventInputSchema.safeParse({ ...base, data: { clientSecret: 'abc' } }).success).toBe(false);
    expect(StepEventInputSchema.safeParse({ ...base, secret: 'abc' }).success).toBe(false);
  });

  it('a hand-off needs an https environment and GUID identifiers', () => {
    const ok = {
      idempotencyKey: crypto.randomUUID(),
      source: 'automatic',
      tenantId: crypto.randomUUID(),
      clientId: crypto.randomUUID(),
      clientSecret: 's3cr3t',
      environmentUrl: 'https://contoso.crm.dynamics.com',
    };
    expect(CredentialHandoffRequestSchema.safeParse(ok).success).toBe(true);
    expect(
      CredentialHandoffRequestSchema.safeParse({ ...ok, environmentUrl: 'http://x.example' }).success,
    ).toBe(false);
    expect(CredentialHandoffRequestSchema.safeParse({ ...ok, tenantId: 'contoso' }).success).toBe(false);
  });

  it('a setup request applies defaults and bounds the secret lifetime to 12–24 months', () => {
    const parsed = CreateSetupRequestSchema.parse({ customerName: 'Contoso' });
    expect(parsed.secretLifetimeMonths).toBe(24);
    expect(CreateSetupRequestSchema.safeParse({ customerName: 'C', secretLifetimeMonths: 36 }).success).toBe(
      false,
    );
    // Microsoft recommends secrets of less than 12 months (issue 15): 6 is allowed, 0 is not.
    expect(
      CreateSetupRequestSchema.parse({ customerName: 'C', secretLifetimeMonths: 6 }).secretLifetimeMonths,
    ).toBe(6);
    expect(CreateSetupRequestSchema.safeParse({ customerName: 'C', secretLifetimeMonths: 0 }).success).toBe(
      false,
    );
  });
});

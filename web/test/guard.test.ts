import { describe, expect, it } from 'vitest';
import type { StepSummary } from '@kantiv/shared/steps';
import { firstIncompleteStep, resolveStep } from '../src/features/wizard/lib/guard.ts';

const TENANT = '11111111-1111-4111-8111-111111111111';
const base = {
  state: 'invited' as const,
  tenantId: undefined,
  steps: [] as StepSummary[],
  verification: undefined,
};

describe('firstIncompleteStep', () => {
  it('starts a fresh invite on the welcome page', () => {
    expect(firstIncompleteStep({ setup: base, signedInTenantId: undefined, choices: {} })).toBe('welcome');
  });
  it('asks for sign-in after the welcome, and again when the tab is signed in to another tenant', () => {
    expect(
      firstIncompleteStep({ setup: base, signedInTenantId: undefined, choices: { welcomed: true } }),
    ).toBe('sign-in');
    expect(
      firstIncompleteStep({
        setup: { ...base, tenantId: TENANT },
        signedInTenantId: '22222222-2222-4222-8222-222222222222',
        choices: { welcomed: true },
      }),
    ).toBe('sign-in');
  });
  it('goes to the environment, then the plan, once signed in to the bound tenant', () => {
    const setup = { ...base, state: 'in_progress' as const, tenantId: TENANT };
    expect(firstIncompleteStep({ setup, signedInTenantId: TENANT, choices: {} })).toBe('environment');
    expect(
      firstIncompleteStep({
        setup,
        signedInTenantId: TENANT,
        choices: { environmentUrl: 'https://x.crm.dynamics.com' },
      }),
    ).toBe('plan');
  });
  it('reopens a verified setup for a live renewal or repair link: welcome, sign-in, then its own plan', () => {
    const link = { purpose: 'repair' as const, expiresAt: '2030-01-01T00:00:00.000Z' };
    const ran: StepSummary[] = [{ step: 'handoff', status: 'succeeded', attempts: 1 }];
    const verified = { ...base, state: 'verified' as const, tenantId: TENANT, steps: ran };
    expect(firstIncompleteStep({ setup: verified, signedInTenantId: TENANT, choices: {} })).toBe('done');
    const opened = { ...verified, link };
    expect(firstIncompleteStep({ setup: opened, signedInTenantId: undefined, choices: {} })).toBe('welcome');
    // The first run's steps are history: the link's run starts at its plan, not at the run page.
    expect(
      firstIncompleteStep({
        setup: opened,
        signedInTenantId: TENANT,
        choices: { environmentUrl: 'https://x.crm.dynamics.com' },
      }),
    ).toBe('plan');
  });
  it('returns to the run when the server saw engine steps move, even from a new tab', () => {
    const setup = {
      ...base,
      state: 'in_progress' as const,
      tenantId: TENANT,
      steps: [{ step: 'app_registration' as const, status: 'succeeded' as const, attempts: 1 }],
    };
    expect(firstIncompleteStep({ setup, signedInTenantId: TENANT, choices: {} })).toBe('run');
  });
  it('shows the summary once the credential was handed off, whoever is signed in', () => {
    for (const state of ['awaiting_verification', 'verified'] as const) {
      expect(
        firstIncompleteStep({ setup: { ...base, state }, signedInTenantId: undefined, choices: {} }),
      ).toBe('done');
    }
  });
});

describe('firstIncompleteStep after a failed verification', () => {
  const failed = {
    ...base,
    state: 'failed' as const,
    tenantId: TENANT,
    verification: { status: 'failed' as const, attempts: 1 },
  };
  it('shows the failure first, then reopens the wizard once the admin chose Run it again', () => {
    expect(firstIncompleteStep({ setup: failed, signedInTenantId: TENANT, choices: {} })).toBe('done');
    expect(firstIncompleteStep({ setup: failed, signedInTenantId: TENANT, choices: { rerun: true } })).toBe(
      'environment',
    );
    expect(
      firstIncompleteStep({
        setup: failed,
        signedInTenantId: TENANT,
        choices: { rerun: true, environmentUrl: 'https://contoso.crm.dynamics.com', runStarted: true },
      }),
    ).toBe('run');
    expect(
      firstIncompleteStep({
        setup: failed,
        signedInTenantId: undefined,
        choices: { rerun: true, welcomed: true },
      }),
    ).toBe('sign-in');
  });
});

describe('resolveStep', () => {
  it('lets the admin go back but not skip ahead', () => {
    expect(resolveStep('welcome', 'plan')).toBe('welcome');
    expect(resolveStep('run', 'plan')).toBe('plan');
    expect(resolveStep(undefined, 'environment')).toBe('environment');
  });
  it('never offers finished work again once done', () => {
    expect(resolveStep('plan', 'done')).toBe('done');
    expect(resolveStep('run', 'done')).toBe('done');
  });
});

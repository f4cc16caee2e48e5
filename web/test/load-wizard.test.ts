// @vitest-environment jsdom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientConfig } from '@kantiv/shared/client-config';
import type { WizardSetup } from '@kantiv/shared/setup';

const SETUP_ID = '4f0c1c1e-1111-4222-8333-944444444444';
const setup = {
  id: SETUP_ID,
  customerName: 'Contoso',
  state: 'invited',
  steps: [],
} as unknown as WizardSetup;
const config = { support: { name: 'Kantiv', email: 'support@kantiv.example' } } as unknown as ClientConfig;

const getWizardSetup = vi.fn(() => Promise.resolve(setup));
vi.mock('../src/features/wizard/api/get-wizard-setup.ts', () => ({ getWizardSetup }));
vi.mock('../src/lib/client-config.ts', () => ({ getClientConfig: () => Promise.resolve(config) }));

const { loadWizard } = await import('../src/features/wizard/lib/load-wizard.ts');

const request = (pathname: string) => new Request(`http://localhost${pathname}`);

describe('loadWizard', () => {
  beforeEach(() => {
    sessionStorage.clear();
    sessionStorage.setItem('kantiv-connect.setup-token', 'q3Jk8vT2yLw9XcN4bR7mP1sZ6fH0dG5aE8uI2oK4jVw');
    getWizardSetup.mockClear();
  });

  it('opening the invite link reads the setup once: the redirect to the first step reuses the answer', async () => {
    const first = await loadWizard(request(`/setup/${SETUP_ID}`), SETUP_ID);
    expect(first).toBeInstanceOf(Response);
    expect((first as Response).headers.get('location')).toBe(`/setup/${SETUP_ID}/welcome`);

    const welcome = await loadWizard(request(`/setup/${SETUP_ID}/welcome`), SETUP_ID);
    expect(welcome).toMatchObject({ kind: 'ready', step: 'welcome', setup: { id: SETUP_ID } });
    expect(getWizardSetup).toHaveBeenCalledTimes(1);

    // Any later navigation asks the server again.
    await loadWizard(request(`/setup/${SETUP_ID}/welcome`), SETUP_ID);
    expect(getWizardSetup).toHaveBeenCalledTimes(2);
  });

  it('the handed-over setup serves only the redirect target, and only once', async () => {
    await loadWizard(request(`/setup/${SETUP_ID}`), SETUP_ID);
    // Something else navigated before the redirect was followed: that load reads the server itself.
    await loadWizard(request(`/setup/${SETUP_ID}/manual`), SETUP_ID);
    expect(getWizardSetup).toHaveBeenCalledTimes(2);
    await loadWizard(request(`/setup/${SETUP_ID}/welcome`), SETUP_ID);
    expect(getWizardSetup).toHaveBeenCalledTimes(3);
  });
});

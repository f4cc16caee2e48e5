import { describe, expect, it } from 'vitest';
import type { ClientConfig } from '@kantiv/shared/client-config';
import { MICROSOFT_CLOUDS } from '@kantiv/shared/clouds';
import { adminConsentScopes, extraConsentScopes } from '../src/features/wizard/lib/sign-in-scopes.ts';

const configFor = (cloud: keyof typeof MICROSOFT_CLOUDS) =>
  ({
    microsoft: {
      authorityHost: MICROSOFT_CLOUDS[cloud].authorityHost,
      graphBaseUrl: MICROSOFT_CLOUDS[cloud].graphBaseUrl,
      discoveryBaseUrl: MICROSOFT_CLOUDS[cloud].discoveryBaseUrl,
      wizardClientId: '00000000-0000-0000-0000-000000000000',
    },
  }) as ClientConfig;

describe('the scopes the wizard asks consent for', () => {
  it('name the served cloud’s Graph and Global Discovery, not the commercial ones', () => {
    expect(adminConsentScopes(configFor('public'))).toEqual([
      'https://graph.microsoft.com/Application.ReadWrite.All',
      'https://graph.microsoft.com/User.Read',
      'https://globaldisco.crm.dynamics.com/user_impersonation',
    ]);
    expect(adminConsentScopes(configFor('dod'))).toEqual([
      'https://dod-graph.microsoft.us/Application.ReadWrite.All',
      'https://dod-graph.microsoft.us/User.Read',
      'https://globaldisco.crm.appsplatform.us/user_impersonation',
    ]);
    expect(extraConsentScopes(configFor('china'))).toEqual([
      'https://globaldisco.crm.dynamics.cn/user_impersonation',
    ]);
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInstance, type i18n as I18n } from 'i18next';
import { describe, expect, it } from 'vitest';
import type { PlanItem, PlanSummary } from '@kantiv/provisioning';
import { DEFAULT_MANIFEST } from '@kantiv/shared/manifest';
import { LANGUAGES } from '../src/features/wizard/lib/i18n.ts';
import { planItemWords } from '../src/features/wizard/lib/plan-words.ts';

/**
 * The plan's preflight line in the admin's language. When Graph hid the Entra roles (limited objects under User.Read)
 * the line must not say the roles allow the setup: nobody checked, and Microsoft decides at the first write.
 */
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/features/wizard/locales');
type Tree = { [key: string]: string | Tree };
const load = (language: string): Tree =>
  JSON.parse(readFileSync(path.join(dir, `${language}.json`), 'utf8')) as Tree;

async function i18nIn(language: string): Promise<I18n> {
  const i18n = createInstance();
  await i18n.init({
    lng: language,
    fallbackLng: false,
    resources: { [language]: { translation: load(language) } },
    interpolation: { escapeValue: false },
  });
  return i18n;
}

const item: PlanItem = {
  step: 'preflight',
  action: 'check',
  title: 'Signed in as ada@contoso.com in tenant 11111111-1111-1111-1111-111111111111.',
  detail:
    'Entra role: Microsoft Graph does not show it to Kantiv Connect (limited information under User.Read).',
};

function planWith(entraRolesUnknown: boolean): PlanSummary {
  return {
    choices: {
      environment: { url: 'https://contoso.crm.dynamics.com', name: 'Contoso Production' },
      role: { kind: 'create' },
      secretLifetimeMonths: 6,
    },
    items: [item],
    credential: { kind: 'certificate', certificatesPossible: true, lifetimeDays: 180 },
    appName: 'Kantiv Dataverse Connector',
    roleName: DEFAULT_MANIFEST.roleName,
    privileges: DEFAULT_MANIFEST.tables,
    missingPrivileges: [],
    privilegesBeyond: [],
    entraRolesUnknown,
    blockers: [],
    roles: [],
  };
}

describe('planItemWords › preflight', () => {
  for (const language of LANGUAGES) {
    it(`${language}: says the Entra role is Microsoft's to check when Graph hid it, and that it allows the setup when it did not`, async () => {
      const i18n = await i18nIn(language);
      const exists = (key: string) => i18n.exists(key);
      const unknown = planItemWords(item, planWith(true), 'ada@contoso.com', i18n.t, exists);
      const known = planItemWords(item, planWith(false), 'ada@contoso.com', i18n.t, exists);
      expect(unknown.title).toBe(
        i18n.t('items.preflight.checkRolesUnknown', { username: 'ada@contoso.com' }),
      );
      expect(unknown.detail).toBe(i18n.t('items.preflight.checkRolesUnknownDetail'));
      expect(unknown.lang).toBeUndefined();
      expect(known.title).toBe(i18n.t('items.preflight.check', { username: 'ada@contoso.com' }));
      expect(unknown.title).not.toBe(known.title);
      expect(unknown.detail).not.toBe(known.detail);
      expect(unknown.title).toContain('ada@contoso.com');
    });
  }

  it('en: the words when the roles are unknown do not claim the roles allow the setup', async () => {
    const i18n = await i18nIn('en');
    const words = planItemWords(item, planWith(true), 'ada@contoso.com', i18n.t, (k) => i18n.exists(k));
    expect(words.title).not.toMatch(/allow/);
    expect(words.title).toMatch(/checks them when the app registration is created/);
  });
});

import type { TFunction } from 'i18next';
import type { PlanItem, PlanSummary } from '@kantiv/provisioning';
import { SECRET_DISPLAY_NAME } from '@kantiv/shared/naming';

export type ItemWords = {
  title: string;
  detail: string;
  lang: string | undefined;
  detailLang: string | undefined;
};

function monthsFromNow(months: number): Date {
  const d = new Date();
  d.setMonth(d.getMonth() + months);
  return d;
}

/**
 * A plan line in the page's language. The engine describes each step in English (what support and the logs read);
 * the catalogs hold the same line for each step and action (`items.<step>.<action>`), filled from the plan. A line the
 * catalogs do not hold (a rare case: a deleted app restored, a role repaired) keeps the engine's words, marked English.
 */
export function planItemWords(
  item: PlanItem,
  plan: PlanSummary,
  username: string | undefined,
  t: TFunction,
  exists: (key: string) => boolean,
): ItemWords {
  const key = `items.${item.step}.${item.action}`;
  if (!exists(key) && !exists(`${key}_other`))
    return { title: item.title, detail: item.detail, lang: 'en', detailLang: 'en' };
  const months = plan.choices.secretLifetimeMonths;
  const values = {
    username: username ?? '',
    name: plan.choices.environment.name,
    url: plan.choices.environment.url,
    environment: plan.choices.environment.name,
    app: plan.appName,
    secret: SECRET_DISPLAY_NAME,
    count: months,
    until: monthsFromNow(months),
    role: plan.roleName,
    tables: plan.privileges.map((p) => p.displayName),
  };
  const detailKey = `${key}Detail`;
  return {
    title: t(key, values),
    // Details the catalogs do not hold are particulars of this tenant (names, ids): shown as the engine has them.
    detail: exists(detailKey) ? t(detailKey, values) : item.detail,
    lang: undefined,
    detailLang: exists(detailKey) || !item.detail ? undefined : 'en',
  };
}

import type { TFunction } from 'i18next';
import type { PlanItem, PlanSummary } from '@kantiv/provisioning';
import { CERTIFICATE_DISPLAY_NAME, SECRET_DISPLAY_NAME } from '@kantiv/shared/naming';

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
  if (item.step === 'credential') {
    const words = credentialWords(item, plan, t, exists);
    if (words) return words;
  }
  const key = itemKey(item, plan);
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
    missing: plan.missingPrivileges.length,
  };
  const detailKey = detailKeyOf(key, plan);
  return {
    title: t(key, values),
    // Details the catalogs do not hold are particulars of this tenant (names, ids): shown as the engine has them.
    detail: exists(detailKey) ? t(detailKey, values) : item.detail,
    lang: undefined,
    detailLang: exists(detailKey) || !item.detail ? undefined : 'en',
  };
}

/** An existing role's line says whether it lacks anything; the privileges themselves are in the table below it. */
function detailKeyOf(key: string, plan: PlanSummary): string {
  if (key !== 'items.security_role.reuse') return `${key}Detail`;
  return plan.missingPrivileges.length ? `${key}LacksDetail` : `${key}HoldsDetail`;
}

/**
 * The catalog line for a plan item. The preflight check has a line of its own when Graph hid the admin's Entra roles
 * (limited objects under User.Read): saying "your roles allow the setup" there would promise what nobody checked.
 */
function itemKey(item: PlanItem, plan: PlanSummary): string {
  const key = `items.${item.step}.${item.action}`;
  return item.step === 'preflight' && item.action === 'check' && plan.entraRolesUnknown
    ? `${key}RolesUnknown`
    : key;
}

const english = (item: PlanItem): ItemWords => ({
  title: item.title,
  detail: item.detail,
  lang: 'en',
  detailLang: 'en',
});

/**
 * The credential line says which kind the run will make: a certificate (the default), or a client secret with the
 * reason (the admin's choice, or the tenant's policy in Microsoft's words). Undefined: the plain secret line applies.
 */
function credentialWords(
  item: PlanItem,
  plan: PlanSummary,
  t: TFunction,
  exists: (key: string) => boolean,
): ItemWords | undefined {
  const c = plan.credential;
  if (c.kind === 'certificate') {
    if (item.action !== 'create' || !exists('items.credential.createCertificate')) return english(item);
    const name = /"([^"]+)"/.exec(item.title)?.[1] ?? CERTIFICATE_DISPLAY_NAME;
    const days = c.lifetimeDays;
    const detail = t('items.credential.createCertificateDetail');
    return {
      title: t('items.credential.createCertificate', {
        certificate: name,
        days,
        until: new Date(Date.now() + days * 86_400_000),
      }),
      detail: c.cappedDays !== undefined ? `${detail} ${t('plan.credential.capped', { days })}` : detail,
      lang: undefined,
      detailLang: undefined,
    };
  }
  if (item.action !== 'create') return undefined;
  const key = `items.${item.step}.${item.action}`;
  const months = plan.choices.secretLifetimeMonths;
  const reason = c.certificatesRefused
    ? t('items.credential.secretRefusedDetail', { reason: c.certificatesRefused })
    : c.kind === 'client_secret' && plan.choices.credentialKind === 'client_secret'
      ? t('items.credential.secretChosenDetail')
      : undefined;
  if (!reason) return undefined;
  return {
    title: t(key, { secret: SECRET_DISPLAY_NAME, count: months, until: monthsFromNow(months) }),
    detail: `${reason} ${t('items.credential.createDetail')}`,
    lang: undefined,
    detailLang: undefined,
  };
}

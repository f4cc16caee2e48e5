import { z } from 'zod';

/**
 * The engine's blockers and failures by a stable code with parameters, so the wizard words them in the admin's
 * language from its catalogs (`engine.<code>.fix`, and `engine.<code>.message` for the blockers whose whole text is
 * ours) while the engine's English text stays for support and the logs. Microsoft's own message is never translated:
 * for a failure Microsoft answered, only our explanation and fix are.
 */
export const ENGINE_BLOCKER_CODES = [
  'consent_missing',
  'missing_directory_role',
  'dynamics_crm_not_found',
  'user_impersonation_not_found',
  'not_system_administrator',
  'environment_not_chosen',
  'environment_none_listed',
  'environment_other_tenant',
  'environment_disabled',
  'deleted_app_not_restored',
  'application_user_disabled',
  'application_user_field_required',
  'app_policy_forbids_secret',
  'role_not_found',
  'privileges_not_found',
  'environment_already_connected',
] as const;

/** Failures whose message is Microsoft's (or the browser's), kept verbatim: the catalog words only the fix. */
export const ENGINE_FAILURE_CODES = [
  'graph_denied',
  'dataverse_denied',
  'dataverse_privilege_missing',
  'app_policy',
  'replication',
  'sign_in_again',
  'microsoft_busy',
  'consent_needed',
  'popup_blocked',
  'consent_declined',
  'network_error',
  'unexpected_response',
  'cancelled',
  'internal_error',
  'retry_or_support',
] as const;

export const ENGINE_TEXT_CODES = [...ENGINE_BLOCKER_CODES, ...ENGINE_FAILURE_CODES] as const;
export type EngineBlockerCode = (typeof ENGINE_BLOCKER_CODES)[number];
export type EngineFailureCode = (typeof ENGINE_FAILURE_CODES)[number];
export type EngineTextCode = (typeof ENGINE_TEXT_CODES)[number];

/**
 * Which catalog line explains an error, with the names it quotes. The key is a plain string on the wire so that an
 * engine newer than the server's schema is still accepted; the wizard falls back to the English text for a key its
 * catalogs lack.
 */
export const EngineTextSchema = z.object({
  key: z.string().min(1).max(100),
  params: z.record(z.string().max(100), z.string().max(1000)).optional(),
});
export type EngineText = z.infer<typeof EngineTextSchema>;

export function engineText(key: EngineTextCode, params?: Record<string, string>): EngineText {
  return params ? { key, params } : { key };
}

export function isBlockerCode(key: string): key is EngineBlockerCode {
  return (ENGINE_BLOCKER_CODES as readonly string[]).includes(key);
}

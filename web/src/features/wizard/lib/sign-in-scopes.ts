import type { ClientConfig } from '@kantiv/shared/client-config';
import { discoveryScope, graphScope } from '@kantiv/shared/cloud-scopes';
import { paths } from '../../../config/paths.ts';

/**
 * What the sign-in asks Microsoft for, without MSAL: the sign-in page words its links from these before MSAL (a large
 * module) has loaded, which it does only when the admin heads for the button or a sign-in already happened in the tab.
 */

/**
 * Graph scopes by their bare names (Graph is Entra's default resource, in every cloud): token responses list Graph
 * scopes bare, so MSAL's cache only recognises a Graph token asked for this way and would otherwise renew it on
 * every call.
 */
export const SIGN_IN_SCOPES = ['Application.ReadWrite.All', 'User.Read'];
/** Consented up front in the same dialog so later tokens for Dataverse come silently (the configured cloud's GDS). */
export const extraConsentScopes = (config: ClientConfig): string[] => [
  discoveryScope(config.microsoft.discoveryBaseUrl),
];

/** What an administrator grants for the whole organization on the admin-consent page (full resource URIs). */
export const adminConsentScopes = (config: ClientConfig): string[] => [
  ...SIGN_IN_SCOPES.map((s) => graphScope(config.microsoft.graphBaseUrl, s)),
  ...extraConsentScopes(config),
];

export function redirectUri(): string {
  return `${window.location.origin}${paths.redirectBridge}`;
}

/**
 * Whether MSAL has anything in this tab (an account, a sign-in under way, a full-page sign-in's answer to finish):
 * MSAL keeps all of it in the tab's sessionStorage under its `msal.` prefix. Without any, nobody has signed in in
 * this tab and MSAL need not load until the admin signs in.
 */
export function msalHasTabState(): boolean {
  try {
    for (let i = 0; i < sessionStorage.length; i += 1) {
      if (sessionStorage.key(i)?.startsWith('msal.')) return true;
    }
    return false;
  } catch {
    return true;
  }
}

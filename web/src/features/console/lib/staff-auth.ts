import { InteractionRequiredAuthError, PublicClientApplication, type AccountInfo } from '@azure/msal-browser';
import type { ClientConfig } from '@kantiv/shared/client-config';
import { paths } from '../../../config/paths.ts';
import { getClientConfig } from '../../../lib/client-config.ts';
import { rolesFromAccessToken, type StaffAccess } from './permissions.ts';

/** Who is signed in to the console: names for display and the access their token grants. Never the token itself. */
export type StaffSession = {
  name: string;
  username: string;
  access: StaffAccess;
};

export type StaffAuth = {
  /** The signed-in staff member, or `null` when nobody is signed in. */
  session: StaffSession | null;
  signIn: () => Promise<void>;
  signOut: () => Promise<void>;
  /** A fresh access token for our API; MSAL caches and refreshes it, components never see it. */
  getAccessToken: () => Promise<string>;
};

/**
 * MSAL for Kantiv staff lives here, outside React, and is created only when a console page is first opened: the
 * customer wizard's first page never loads it. One `PublicClientApplication` per page load.
 */
let instance: Promise<StaffAuth> | undefined;

export function getStaffAuth(config: ClientConfig): Promise<StaffAuth> {
  instance ??= createStaffAuth(config).catch((err: unknown) => {
    // A failed start (emulator down, bad config) must not stick: the next visit tries again.
    instance = undefined;
    throw err;
  });
  return instance;
}

async function createStaffAuth(config: ClientConfig): Promise<StaffAuth> {
  const authorityHost = config.microsoft.authorityHost.replace(/\/$/, '');
  const scopes = [config.staff.apiScope];
  const pca = new PublicClientApplication({
    auth: {
      clientId: config.staff.clientId,
      // Staff sign in to Kantiv's own tenant only, never `organizations`.
      authority: `${authorityHost}/${config.staff.tenantId}`,
      knownAuthorities: [new URL(authorityHost).host],
      // msal-browser v5 answers every flow through the redirect-bridge page, which returns to the console page
      // that started the sign-in.
      redirectUri: `${window.location.origin}${paths.redirectBridge}`,
      postLogoutRedirectUri: `${window.location.origin}${paths.console}`,
    },
    cache: { cacheLocation: 'sessionStorage' },
  });
  await pca.initialize();
  const redirect = await pca.handleRedirectPromise();
  if (redirect?.account) pca.setActiveAccount(redirect.account);
  const account = pca.getActiveAccount() ?? pca.getAllAccounts()[0] ?? null;

  async function token(forAccount: AccountInfo): Promise<string> {
    try {
      const result = await pca.acquireTokenSilent({ scopes, account: forAccount });
      return result.accessToken;
    } catch (err) {
      if (err instanceof InteractionRequiredAuthError) {
        await pca.acquireTokenRedirect({ scopes, account: forAccount });
        // The page navigates away; this promise never needs to settle.
        return new Promise<string>(() => undefined);
      }
      throw err;
    }
  }

  let session: StaffSession | null = null;
  if (account) {
    pca.setActiveAccount(account);
    const accessToken = redirect?.accessToken || (await token(account));
    session = {
      name: account.name ?? account.username,
      username: account.username,
      access: rolesFromAccessToken(accessToken, config.staff),
    };
  }

  return {
    session,
    signIn: () => pca.loginRedirect({ scopes, redirectStartPage: window.location.href }),
    signOut: () => pca.logoutRedirect({ account: pca.getActiveAccount() }),
    getAccessToken: () => {
      const current = pca.getActiveAccount();
      if (!current) return Promise.reject(new Error('Nobody is signed in to the console.'));
      return token(current);
    },
  };
}

/**
 * For the console's page loaders, which run beside the console's own loader: the staff member's auth when they may
 * read, else nothing (the console then shows its sign-in or no-access page instead of the page).
 */
export async function readableStaffAuth(): Promise<StaffAuth | undefined> {
  const auth = await getStaffAuth(await getClientConfig());
  return auth.session?.access.canRead ? auth : undefined;
}

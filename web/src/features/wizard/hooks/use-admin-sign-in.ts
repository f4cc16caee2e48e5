import { useEffect, useRef, useState } from 'react';
import type { ClientConfig } from '@kantiv/shared/client-config';
import type * as Auth from '../lib/auth.ts';
import type { SignInProblem } from '../lib/auth.ts';
import { postMoment } from '../api/post-moment.ts';
import { windowClosedProblem, wrongTenantProblem } from '../lib/problem-words.ts';
import { msalHasTabState } from '../lib/sign-in-scopes.ts';

/** Why the sign-in did not lead on: Microsoft's answer, or Kantiv refusing the identity (another tenant). */
export type AdminSignInProblem = SignInProblem | { kind: 'tenant'; code: string; message: string };

type AuthModule = typeof Auth;

const ABANDONED = Symbol('abandoned');
const WINDOW_CLOSED = new Error('window closed');

/**
 * MSAL (a large module) is imported here, not at the top: the manual path may open before the welcome page, and
 * nothing of MSAL loads then. `startAuth` is idempotent, so the automatic path, whose loader started it, pays nothing.
 */
async function loadAuth(config: ClientConfig, tenant: string | undefined): Promise<AuthModule> {
  const auth = await import('../lib/auth.ts');
  await auth.startAuth(config);
  // The setup's tenant as the authority when known: a guest (B2B) admin then gets tokens of that tenant, not of home.
  await auth.setSetupTenant(tenant);
  return auth;
}

/**
 * The admin's Microsoft sign-in, for the automatic path and the manual path alike: a popup, or a full-page redirect
 * when the browser blocks it (whose answer is finished here, once, when the page comes back). `onIdToken` hands the
 * ID token to Kantiv and answers a problem when Kantiv refuses it. Tokens that need the admin again later (a claims
 * challenge from Conditional Access) are handled where they are asked for, in `lib/auth.ts`.
 */
export function useAdminSignIn({
  config,
  tenant,
  nonce,
  finishRedirect,
  initialProblem,
  onIdToken,
}: {
  config: ClientConfig;
  /** The setup's tenant (its id, or the expected domain) when known; else Microsoft's `/organizations`. */
  tenant: string | undefined;
  /** The setup's sign-in nonce (`signInNonce` of the wizard's setup): the server binds only a token carrying it. */
  nonce: string | undefined;
  /** False while nobody can have signed in in this tab (before the welcome page): MSAL is not even loaded. */
  finishRedirect: boolean;
  /** A problem met on the page that sent the admin here (the welcome page's sign-in). */
  initialProblem?: AdminSignInProblem | undefined;
  onIdToken: (idToken: string) => Promise<AdminSignInProblem | undefined>;
}) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<AdminSignInProblem | undefined>(initialProblem);
  const handledRedirect = useRef(false);
  /** Ends the sign-in under way as abandoned (the admin closed Microsoft's window, which MSAL cannot see). */
  const abandonCurrent = useRef<(() => void) | undefined>(undefined);

  async function handOver(idToken: string) {
    const refused = await onIdToken(idToken);
    if (refused) setProblem(refused);
  }

  // A full-page sign-in (popup blocked) comes back to the page that started it; finish it once.
  useEffect(() => {
    // Nothing of MSAL in the tab: no full-page sign-in to finish, and MSAL need not load before the admin signs in.
    if (handledRedirect.current || !finishRedirect || !msalHasTabState()) return;
    handledRedirect.current = true;
    void (async () => {
      const auth = await loadAuth(config, tenant);
      const { result, error } = await auth.takeRedirectOutcome();
      if (error) setProblem(wrongTenantProblem(error) ?? auth.describeSignInError(error));
      else if (result) {
        setBusy(true);
        await handOver(result.idToken);
        setBusy(false);
      }
    })();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per page
  }, []);

  /** Resolves to the problem shown, if any, so a page can take the admin where the problem is explained. */
  async function attempt(
    idTokenFrom: (auth: AuthModule) => Promise<string | undefined>,
  ): Promise<AdminSignInProblem | undefined> {
    setBusy(true);
    setProblem(undefined);
    let wasAbandoned = false;
    const abandoned = new Promise<typeof ABANDONED>((resolve) => {
      abandonCurrent.current = () => {
        wasAbandoned = true;
        resolve(ABANDONED);
      };
    });
    try {
      const auth = await loadAuth(config, tenant);
      let idToken: string | undefined;
      try {
        // MSAL's promise may stay pending for minutes after the admin closed its window: the race lets the admin end
        // the wait, and the next sign-in takes over MSAL's interaction (`abandonSignIn`).
        const answer = wasAbandoned ? ABANDONED : await Promise.race([idTokenFrom(auth), abandoned]);
        if (answer === ABANDONED) {
          auth.abandonSignIn();
          throw WINDOW_CLOSED;
        }
        idToken = answer;
      } catch (err) {
        const described =
          err === WINDOW_CLOSED
            ? windowClosedProblem
            : (wrongTenantProblem(err) ?? auth.describeSignInError(err));
        setProblem(described);
        // At the invited organization's authority Microsoft itself refuses an account of another one; our server
        // never sees that sign-in, so the wizard tells support (as a blocker with the way out the admin is shown).
        if (tenant)
          postMoment({
            moment: 'blocked',
            blockers: [
              {
                code: 'sign_in_refused',
                message: (err === WINDOW_CLOSED
                  ? `The admin closed Microsoft's sign-in window at ${tenant} before it finished. Microsoft shows some refusals only on its own page, which never comes back to the wizard: most often AADSTS50020, an account of another organization.`
                  : `Microsoft refused the sign-in at ${tenant}: ${described.message}`
                ).slice(0, 2000),
                fix: `Sign in with an admin account of ${tenant}, or forward the link to one.`.slice(0, 2000),
              },
            ],
          });
        return described;
      }
      if (!idToken) return undefined;
      const refused = await onIdToken(idToken);
      if (refused) setProblem(refused);
      return refused;
    } finally {
      abandonCurrent.current = undefined;
      setBusy(false);
    }
  }

  return {
    busy,
    problem,
    clearProblem: () => setProblem(undefined),
    /** "I closed Microsoft's window": the pending sign-in ends as closed, and the next one can open a new window. */
    abandon: () => abandonCurrent.current?.(),
    /** Microsoft's sign-in dialog (popup, or redirect when blocked, coming back to `returnTo`). */
    signIn: (returnTo?: string) =>
      attempt(async (auth) => {
        const outcome = await auth.signIn({ ...(nonce ? { nonce } : {}), ...(returnTo ? { returnTo } : {}) });
        return outcome.kind === 'signed-in' ? outcome.result.idToken : undefined;
      }),
    /** The account already signed in in this tab, without a dialog. */
    continueAsSignedIn: () => attempt((auth) => auth.getIdToken()),
  };
}

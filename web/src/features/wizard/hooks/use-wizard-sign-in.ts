import { useNavigate } from 'react-router';
import { paths } from '../../../config/paths.ts';
import { ApiClientError } from '../../../lib/api-client.ts';
import { bindIdentity } from '../api/bind-identity.ts';
import { firstIncompleteStep } from '../lib/guard.ts';
import { useAdminSignIn, type AdminSignInProblem } from './use-admin-sign-in.ts';
import { useWizard } from './use-wizard.ts';

/**
 * Kantiv refuses an identity of another tenant than the invite's, a token it cannot check (or one too old, or not
 * started from this invite), or an invite whose organization Microsoft does not know: the admin signs in afresh.
 */
const REFUSED_SIGN_IN = ['tenant_mismatch', 'invalid_id_token', 'unknown_tenant_domain'];

export function bindProblem(err: unknown): AdminSignInProblem {
  if (err instanceof ApiClientError && REFUSED_SIGN_IN.includes(err.code)) {
    return { kind: 'tenant', code: err.code, message: err.message };
  }
  return {
    kind: 'other',
    code: err instanceof ApiClientError ? err.code : 'sign_in_unconfirmed',
    // The page words it from the code when there is no message of our server's.
    message: err instanceof Error ? err.message : '',
  };
}

/**
 * The automatic path's sign-in, from the welcome page or the sign-in page: Microsoft's dialog, then Kantiv binds the
 * identity to the setup and the admin moves on to the first step not done (the environments, for a new setup).
 */
export function useWizardSignIn({
  finishRedirect,
  initialProblem,
}: {
  finishRedirect: boolean;
  initialProblem?: AdminSignInProblem | undefined;
}) {
  const { setup, config, choices } = useWizard();
  const navigate = useNavigate();
  return useAdminSignIn({
    config,
    tenant: setup.tenantId ?? setup.expectedTenantDomain,
    nonce: setup.signInNonce,
    finishRedirect,
    initialProblem,
    onIdToken: async (idToken) => {
      try {
        const { tenantId } = await bindIdentity(idToken);
        // Usually the environments; a run that stopped or failed earlier (another tab, a new link) is where it stands.
        const next = firstIncompleteStep({
          setup: { ...setup, tenantId },
          signedInTenantId: tenantId,
          choices,
        });
        await navigate(
          paths.setup.step(setup.id, next === 'welcome' || next === 'sign-in' ? 'environment' : next),
        );
        return undefined;
      } catch (err) {
        return bindProblem(err);
      }
    },
  });
}

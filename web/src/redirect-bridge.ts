import { broadcastResponseToMainFrame } from '@azure/msal-browser/redirect-bridge';
import { ADMIN_CONSENT_STATE, paths } from './config/paths.ts';

/**
 * MSAL v5 redirect bridge. Popup and hidden-iframe answers from Microsoft land on this page, which hands them to the
 * wizard window over a BroadcastChannel; a full-page redirect answer is cached and the browser sent back to the page
 * that started the sign-in. It must stay tiny and must never be served with a Cross-Origin-Opener-Policy header.
 */
const answer = new URLSearchParams(window.location.search);
if (answer.get('state') === ADMIN_CONSENT_STATE) {
  // The admin-consent link's answer (`admin_consent=True&tenant=…` or `error=…`) comes to the same registered redirect
  // URI; it is shown by the app's own page, in the admin's language, instead of this bridge's sign-in text.
  window.location.replace(`${paths.adminConsentReturn}${window.location.search}`);
} else {
  broadcastResponseToMainFrame().catch(() => {
    document.body.textContent =
      'This page only finishes a Microsoft sign-in. Close it and go back to Kantiv Connect.';
  });
}

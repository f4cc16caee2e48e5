import { broadcastResponseToMainFrame } from '@azure/msal-browser/redirect-bridge';

/**
 * MSAL v5 redirect bridge. Popup and hidden-iframe answers from Microsoft land on this page, which hands them to the
 * wizard window over a BroadcastChannel; a full-page redirect answer is cached and the browser sent back to the page
 * that started the sign-in. It must stay tiny and must never be served with a Cross-Origin-Opener-Policy header.
 */
broadcastResponseToMainFrame().catch(() => {
  document.body.textContent =
    'This page only finishes a Microsoft sign-in. Close it and go back to Kantiv Connect.';
});

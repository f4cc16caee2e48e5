import { broadcastResponseToMainFrame } from '@azure/msal-browser/redirect-bridge';

// msal-browser v5 sends every sign-in answer (popup, silent and redirect) through this page: it hands the answer
// to the page that asked and navigates back. It loads nothing else.
void broadcastResponseToMainFrame();

import { startNewRunTrace } from './run-trace.ts';

/**
 * The setup token from the invite link. It arrives in the URL fragment (never sent to a server in a URL), is kept in
 * this tab's session storage only, and is wiped from the address bar at once so it does not linger in history,
 * screenshots or a link the admin forwards by mistake. Besides the run's random trace id (run-trace.ts), this is the only
 * thing the wizard itself stores; the client secret never touches browser storage.
 */
const KEY = 'kantiv-connect.setup-token';

/** Setup tokens are 256-bit random values, base64url-encoded by the server (43+ chars). */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{20,200}$/;

export function captureTokenFromFragment(location: Location, history: History): string | undefined {
  const hash = location.hash.startsWith('#') ? location.hash.slice(1) : location.hash;
  if (!hash) return undefined;
  const params = new URLSearchParams(hash);
  const token = params.get('token');
  if (token === null) return undefined;
  params.delete('token');
  const rest = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  if (!TOKEN_PATTERN.test(token)) return undefined;
  if (sessionStorage.getItem(KEY) !== token) startNewRunTrace();
  sessionStorage.setItem(KEY, token);
  return token;
}

export function getSetupToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function clearSetupToken(): void {
  sessionStorage.removeItem(KEY);
}

// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { captureTokenFromFragment, getSetupToken } from '../src/features/wizard/lib/setup-token.ts';

const TOKEN = 'q3Jk8vT2yLw9XcN4bR7mP1sZ6fH0dG5aE8uI2oK4jVw';

describe('captureTokenFromFragment', () => {
  beforeEach(() => sessionStorage.clear());

  it('moves the token from the fragment to session storage and clears the address bar', () => {
    window.history.replaceState(null, '', `/setup/abc#token=${TOKEN}`);
    expect(captureTokenFromFragment(window.location, window.history)).toBe(TOKEN);
    expect(getSetupToken()).toBe(TOKEN);
    expect(window.location.href).not.toContain(TOKEN);
    expect(window.location.pathname).toBe('/setup/abc');
    expect(window.location.hash).toBe('');
  });

  it('ignores a fragment without a token and rejects a malformed one', () => {
    window.history.replaceState(null, '', '/setup/abc#section');
    expect(captureTokenFromFragment(window.location, window.history)).toBeUndefined();
    window.history.replaceState(null, '', '/setup/abc#token=<script>');
    expect(captureTokenFromFragment(window.location, window.history)).toBeUndefined();
    expect(getSetupToken()).toBeUndefined();
    expect(window.location.hash).toBe('');
  });
});

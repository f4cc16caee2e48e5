import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BOOT_LANGUAGE_SCRIPT } from '@kantiv/shared/boot-language';

/**
 * index.html's "Loading…" is in the language the wizard will pick, before any bundle: its inline script must be
 * byte for byte the one the server's CSP allows by hash, and must pick as the wizard does.
 */
const html = readFileSync(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../index.html'),
  'utf8',
);

function boot(pathname: string, languages: string[], stored: string | null = null) {
  const attributes = new Map<string, string>();
  const root = { lang: 'en', setAttribute: (k: string, v: string) => attributes.set(k, v) };
  const words = { textContent: 'Loading…' };
  runInNewContext(BOOT_LANGUAGE_SCRIPT, {
    location: { pathname },
    navigator: { languages },
    localStorage: { getItem: () => stored },
    document: {
      documentElement: root,
      getElementById: (id: string) => (id === 'boot-loading' ? words : null),
    },
  });
  return { lang: root.lang, text: words.textContent, loading: attributes.get('data-loading') };
}

describe('the boot language script', () => {
  it('is in index.html exactly as the server hashes it', () => {
    expect(html).toContain(`<script>${BOOT_LANGUAGE_SCRIPT}</script>`);
    expect(html).toContain('id="boot-loading"');
  });

  it('words "Loading…" in the browser’s language on the wizard’s pages', () => {
    expect(boot('/setup/abc/welcome', ['de-AT', 'en'])).toEqual({
      lang: 'de',
      text: 'Wird geladen…',
      loading: 'Wird geladen…',
    });
    expect(boot('/invite', ['it-IT', 'nl-BE']).text).toBe('Laden…');
  });

  it('follows the admin’s stored choice, stays English for English and on the console', () => {
    expect(boot('/setup/abc', ['fr-FR'], 'en').text).toBe('Loading…');
    expect(boot('/setup/abc', ['en-GB'], 'es').text).toBe('Cargando…');
    expect(boot('/setup/abc', ['en-US', 'de-DE']).text).toBe('Loading…');
    expect(boot('/console', ['de-DE']).text).toBe('Loading…');
    expect(boot('/setupx', ['de-DE']).text).toBe('Loading…');
  });
});

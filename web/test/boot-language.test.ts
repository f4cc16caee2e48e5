import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BOOT_LANGUAGE_SCRIPT, BOOT_LOADING_WORDS } from '@kantiv/shared/boot-language';
import { BOOT_SHELL_LANGUAGES, bootShellJson, type BootShellCatalog } from '../src/lib/boot-shell.ts';
import { LANGUAGES } from '../src/features/wizard/lib/i18n.ts';

/**
 * index.html's "Loading…" is in the language the wizard will pick, before any bundle: its inline script must be
 * byte for byte the one the server's CSP allows by hash, and must pick as the wizard does.
 */
const html = readFileSync(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../index.html'),
  'utf8',
);

/** The shells index.html carries, as the build writes them. */
const catalogs: Record<string, BootShellCatalog> = Object.fromEntries(
  ['en', 'de', 'fr', 'es', 'nl'].map((language) => [
    language,
    JSON.parse(
      readFileSync(
        path.resolve(
          path.dirname(fileURLToPath(import.meta.url)),
          `../src/features/wizard/locales/${language}.json`,
        ),
        'utf8',
      ),
    ) as BootShellCatalog,
  ]),
);
const shellJson = bootShellJson(catalogs);

function boot(
  pathname: string,
  languages: string[],
  stored: string | null = null,
  { withShell = false, entry }: { withShell?: boolean; entry?: string } = {},
) {
  const attributes = new Map<string, string>();
  const root = { lang: 'en', setAttribute: (k: string, v: string) => attributes.set(k, v) };
  const words = { textContent: 'Loading…' };
  const app = { innerHTML: '<div class="boot"></div>' };
  const appended: { rel?: string; src?: string; href?: string; type?: string }[] = [];
  const frames: (() => void)[] = [];
  const timers: (() => void)[] = [];
  const elements: Record<string, unknown> = {
    'boot-loading': words,
    root: app,
    ...(withShell ? { 'boot-shell': { textContent: shellJson } } : {}),
  };
  runInNewContext(BOOT_LANGUAGE_SCRIPT, {
    location: { pathname },
    navigator: { languages },
    localStorage: { getItem: () => stored },
    requestAnimationFrame: (f: () => void) => frames.push(f),
    setTimeout: (f: () => void) => timers.push(f),
    document: {
      documentElement: root,
      visibilityState: 'visible',
      getElementById: (id: string) => elements[id] ?? null,
      querySelector: (selector: string) =>
        entry && selector === 'meta[name="kantiv:entry"]'
          ? { content: entry }
          : entry && selector === 'meta[name="kantiv:preload"]'
            ? { content: '/assets/a.js /assets/b.js' }
            : null,
      createElement: () => ({}),
      head: { appendChild: (el: { rel?: string; src?: string }) => appended.push(el) },
    },
  });
  return {
    lang: root.lang,
    text: words.textContent,
    loading: attributes.get('data-loading'),
    shell: attributes.get('data-shell'),
    html: app.innerHTML,
    appended,
    frames,
    timers,
  };
}

describe('the boot language script', () => {
  it('is in index.html exactly as the server hashes it', () => {
    expect(html).toContain(`<script>${BOOT_LANGUAGE_SCRIPT}</script>`);
    expect(html).toContain('id="boot-loading"');
  });

  it('words "Loading…" in the browser’s language on the wizard’s pages', () => {
    expect(boot('/setup/abc/welcome', ['de-AT', 'en'])).toMatchObject({
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

  it('words "Loading…" as the catalogs do, in every wizard language', () => {
    for (const language of BOOT_SHELL_LANGUAGES) {
      expect(LANGUAGES).toContain(language);
      expect(catalogs[language]?.shell.loading).toBe(
        language === 'en' ? 'Loading…' : BOOT_LOADING_WORDS[language],
      );
    }
    expect([...BOOT_SHELL_LANGUAGES].sort()).toEqual([...LANGUAGES].sort());
  });

  it('shows the welcome page’s shell, in the admin’s language, on the invite link and the welcome page', () => {
    const invite = boot('/setup/abc', ['en-GB'], null, { withShell: true });
    expect(invite.shell).toBe('welcome');
    expect(invite.html).toContain('<h1>Connect your Dynamics 365 to Kantiv</h1>');
    expect(invite.html).toContain('click <em>Connect</em>. Kantiv Connect then does the setup for you');
    const german = boot('/setup/abc/welcome', ['de-DE'], null, { withShell: true });
    expect(german.html).toContain('<h1>Ihr Dynamics 365 mit Kantiv verbinden</h1>');
    expect(german.html).toContain('Wird geladen…');
  });

  it('shows the sign-in page’s shell on the sign-in page, and none on other pages', () => {
    const signIn = boot('/setup/abc/sign-in', ['fr-FR'], null, { withShell: true });
    expect(signIn.shell).toBe('sign-in');
    expect(signIn.html).toContain('<h1>Se connecter avec Microsoft</h1>');
    for (const pathname of ['/setup/abc/plan', '/setup/abc/manual', '/invite', '/console/setups', '/']) {
      const other = boot(pathname, ['en'], null, { withShell: true });
      expect(other.shell, pathname).toBeUndefined();
      expect(other.html, pathname).toBe('<div class="boot"></div>');
    }
  });

  it('starts the app only after the first paint: preloads, then the entry module', () => {
    const started = boot('/setup/abc', ['en'], null, { withShell: true, entry: '/assets/main.js' });
    expect(started.appended).toEqual([]);
    started.frames.forEach((frame) => frame());
    expect(started.appended).toEqual([]);
    started.timers.forEach((timer) => timer());
    expect(started.appended).toEqual([
      { rel: 'modulepreload', crossOrigin: '', href: '/assets/a.js' },
      { rel: 'modulepreload', crossOrigin: '', href: '/assets/b.js' },
      { type: 'module', crossOrigin: '', src: '/assets/main.js' },
    ]);
    expect(boot('/console', ['en'], null, { entry: '/assets/main.js' }).frames).toHaveLength(1);
  });
});

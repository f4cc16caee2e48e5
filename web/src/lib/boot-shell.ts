/**
 * The first wizard page's text as plain HTML, for index.html to show before any bundle has loaded (decision 015,
 * tenth wave): on a slow phone the page's largest paint is then the document's own text, not the bundle's evaluation
 * plus two API round trips. Built at build time from the wizard's catalogs (vite.config.ts puts it in index.html as
 * JSON); index.html's inline boot script (`@kantiv/shared/boot-language`) shows the page's shell in the admin's
 * language on `/setup/:id`, `/setup/:id/welcome` and `/setup/:id/sign-in`. It names no customer: the setup is
 * known only once the server has read the setup token, so the welcome heading is a neutral one that React replaces.
 * Its markup is the wizard's (the same classes as WizardShell and the pages), so the lead paragraph React renders
 * has the same size as the shell's and the text does not jump.
 */
export const BOOT_SHELL_PAGES = ['welcome', 'sign-in'] as const;
/** The wizard's languages (i18n.ts's LANGUAGES, which this build-time module does not import). */
export const BOOT_SHELL_LANGUAGES = ['en', 'de', 'fr', 'es', 'nl'] as const;
export type BootShellPage = (typeof BOOT_SHELL_PAGES)[number];

/** The catalog entries the shell uses (every wizard catalog has them). */
export type BootShellCatalog = {
  steps: Record<'welcome' | 'sign-in' | 'environment' | 'plan' | 'run' | 'done', string>;
  shell: { progress: string; loading: string };
  welcome: { titleNeutral: string; lead: string };
  signIn: { title: string; lead: string };
};

const STEPS = ['welcome', 'sign-in', 'environment', 'plan', 'run', 'done'] as const;

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Catalog text with its `<em>` markup kept (the welcome lead's), everything else escaped. */
const withEmphasis = (text: string) => escapeHtml(text).replace(/&lt;(\/?)em&gt;/g, '<$1em>');

/** The shell of one page in one language: frame, progress, heading, lead, and "Loading…" as a status. */
export function bootShellHtml(catalog: BootShellCatalog, page: BootShellPage): string {
  const current = STEPS.indexOf(page);
  const steps = STEPS.map(
    (step, i) =>
      `<li${i === current ? ' class="is-current"' : ''}><span>${i + 1}. ${escapeHtml(catalog.steps[step])}</span></li>`,
  ).join('');
  const [title, lead] =
    page === 'welcome'
      ? [catalog.welcome.titleNeutral, catalog.welcome.lead]
      : [catalog.signIn.title, catalog.signIn.lead];
  return (
    '<div class="wizard"><header class="wizard__header"><p class="brand" translate="no">Kantiv Connect</p>' +
    // The customer's name and the language switch come with React; their lines are kept so the text below stays put.
    '<p class="muted">&#8203;</p><div class="language-switch boot-placeholder"></div></header>' +
    `<nav aria-label="${escapeHtml(catalog.shell.progress)}" class="progress"><ol>${steps}</ol></nav>` +
    `<main class="wizard__main"><h1>${escapeHtml(title)}</h1><p class="lead">${withEmphasis(lead)}</p>` +
    `<p class="muted" role="status">${escapeHtml(catalog.shell.loading)}</p></main></div>`
  );
}

/**
 * The JSON index.html carries (`<script type="application/json" id="boot-shell">`): language → page → HTML. `<` is
 * escaped so that no `</script>` can end the element early.
 */
export function bootShellJson(catalogs: Record<string, BootShellCatalog>): string {
  const shells = Object.fromEntries(
    Object.entries(catalogs).map(([language, catalog]) => [
      language,
      Object.fromEntries(BOOT_SHELL_PAGES.map((page) => [page, bootShellHtml(catalog, page)])),
    ]),
  );
  return JSON.stringify(shells).replace(/</g, '\\u003c');
}

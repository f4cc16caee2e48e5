/**
 * What the admin sees while the first page's code and data are on their way (seconds on a slow mobile connection).
 * index.html holds the same markup, so it shows before any script has loaded and React takes over without a flicker;
 * its inline boot script (`@kantiv/shared/boot-language`) words it in the wizard's language and leaves the words in
 * `<html data-loading>`, which this page reuses rather than switching back to English.
 */
export function LoadingPage() {
  const words = document.documentElement.getAttribute('data-loading') ?? 'Loading…';
  return (
    <div className="boot" role="status">
      <p className="brand">Kantiv Connect</p>
      <p className="muted" id="boot-loading">
        {words}
      </p>
    </div>
  );
}

/**
 * index.html's shell of the first page (its heading and lead in the admin's language, `<html data-shell>`), as the
 * boot script left it, read before React renders over it. The wizard shows it again while the first page's data
 * loads, so the text on screen stays as it was: our own markup from the build, built from the catalogs.
 */
const bootShell = document.documentElement.hasAttribute('data-shell')
  ? document.getElementById('root')?.innerHTML
  : undefined;

/** The wizard's first-load fallback: the boot shell when index.html showed one, else the loading page. */
export function BootShellOrLoadingPage() {
  // Our build's own markup (src/lib/boot-shell.ts), never data from a request.
  return bootShell ? <div dangerouslySetInnerHTML={{ __html: bootShell }} /> : <LoadingPage />;
}

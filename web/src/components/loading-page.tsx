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

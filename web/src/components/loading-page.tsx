/**
 * What the admin sees while the first page's code and data are on their way (seconds on a slow mobile connection).
 * index.html holds the same markup, so it shows before any script has loaded and React takes over without a flicker.
 */
export function LoadingPage() {
  return (
    <div className="boot" role="status">
      <p className="brand">Kantiv Connect</p>
      <p className="muted">Loading…</p>
    </div>
  );
}

/**
 * The support console's slot: its own lazy chunk, so no console code is loaded by the customer wizard. The console
 * feature (web/src/features/console) replaces this placeholder.
 */
export function Component() {
  return (
    <main className="page">
      <h1>Kantiv support console</h1>
      <p>The support console is not part of this build yet.</p>
    </main>
  );
}

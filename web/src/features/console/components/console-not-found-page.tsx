export function ConsoleNotFoundPage() {
  return (
    <>
      <h1>Page not found</h1>
      <p>This console page does not exist.</p>
    </>
  );
}

import { usePageTitle } from '../hooks/use-page-title.ts';

export function ConsoleNotFoundPage() {
  usePageTitle('Page not found');
  return (
    <>
      <h1>Page not found</h1>
      <p>This console page does not exist.</p>
    </>
  );
}

import { ConsoleNotFoundPage } from '../../../features/console/components/console-not-found-page.tsx';

export function Component() {
  return <ConsoleNotFoundPage />;
}

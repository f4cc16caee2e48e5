import { NewSetupPage } from '../../../features/console/components/new-setup-page.tsx';

export function Component() {
  return <NewSetupPage />;
}

import { DisconnectPage } from '../../../features/wizard/components/disconnect-page.tsx';

export function Component() {
  return <DisconnectPage />;
}

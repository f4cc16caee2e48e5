import { ManualPage } from '../../../features/wizard/components/manual-page.tsx';

export function Component() {
  return <ManualPage />;
}

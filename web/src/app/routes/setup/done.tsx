import { DonePage } from '../../../features/wizard/components/done-page.tsx';

export function Component() {
  return <DonePage />;
}

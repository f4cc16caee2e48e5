import { WelcomePage } from '../../../features/wizard/components/welcome-page.tsx';

export function Component() {
  return <WelcomePage />;
}

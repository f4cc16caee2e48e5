import { SignInPage } from '../../../features/wizard/components/sign-in-page.tsx';

export function Component() {
  return <SignInPage />;
}

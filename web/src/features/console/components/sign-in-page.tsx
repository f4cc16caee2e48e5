import { usePageTitle } from '../hooks/use-page-title.ts';
import { useState } from 'react';
import { errorMessage } from '../lib/loaded.ts';
import { ErrorMessage } from './error-message.tsx';

export function SignInPage({ onSignIn }: { onSignIn: () => Promise<void> }) {
  usePageTitle('Sign in');
  const [error, setError] = useState<string | null>(null);
  return (
    <main className="console-narrow">
      <h1>Kantiv Connect support console</h1>
      <p>Sign in with your Kantiv Microsoft account to see and manage customer setups.</p>
      <button
        type="button"
        className="c-primary"
        onClick={() => {
          setError(null);
          onSignIn().catch((err: unknown) => setError(errorMessage(err)));
        }}
      >
        Sign in with Microsoft
      </button>
      {error && <ErrorMessage message={error} />}
    </main>
  );
}

import { Suspense, type ReactNode } from 'react';
import { Await } from 'react-router';

/**
 * A wizard page whose content waits for the engine (discovery, a plan): the heading at once, a status line while
 * Microsoft answers, then the content, or `failed` when the engine could not answer.
 */
export function AwaitedStep<T>({
  title,
  waiting,
  resolve,
  failed,
  children,
}: {
  title: string;
  waiting: string;
  resolve: Promise<T> | undefined;
  failed: ReactNode;
  children: (value: T) => ReactNode;
}) {
  return (
    <>
      <h1 tabIndex={-1}>{title}</h1>
      <Suspense
        fallback={
          <p role="status" className="loading">
            {waiting}
          </p>
        }
      >
        <Await resolve={resolve} errorElement={failed}>
          {(value: T | undefined) => (value ? children(value) : null)}
        </Await>
      </Suspense>
    </>
  );
}

import type { ReactNode } from 'react';
import type { Resource } from '../lib/use-resource.ts';
import { ErrorMessage } from './error-message.tsx';

/** A page section listing one loaded collection: loading, error, empty, or the items. */
export function ResourceSection<T>({
  id,
  title,
  resource,
  loading,
  empty,
  children,
}: {
  id: string;
  title: string;
  resource: Resource<T[]>;
  loading: string;
  empty: string;
  children: (items: T[]) => ReactNode;
}) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {resource.kind === 'loading' && <p role="status">{loading}</p>}
      {resource.kind === 'error' && <ErrorMessage message={resource.message} />}
      {resource.kind === 'ready' && (resource.data.length === 0 ? <p>{empty}</p> : children(resource.data))}
    </section>
  );
}

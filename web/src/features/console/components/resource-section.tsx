import type { ReactNode } from 'react';
import type { Loaded } from '../lib/loaded.ts';
import { ErrorMessage } from './error-message.tsx';

/** A page section listing one loaded collection: error, empty, or the items. */
export function ResourceSection<T>({
  id,
  title,
  resource,
  empty,
  children,
}: {
  id: string;
  title: string;
  resource: Loaded<T[]>;
  empty: string;
  children: (items: T[]) => ReactNode;
}) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {resource.kind === 'error' && <ErrorMessage message={resource.message} />}
      {resource.kind === 'ready' && (resource.data.length === 0 ? <p>{empty}</p> : children(resource.data))}
    </section>
  );
}

import { ApiClientError } from '../../../lib/api-client.ts';

/** What a console loader hands its page: the data, or why it could not be read (shown on the page, not thrown). */
export type Loaded<T> = { kind: 'ready'; data: T } | LoadFailure;
export type LoadFailure = { kind: 'error'; message: string; status: number };

/** A page's data as a loader returns it: failures become a message on the page, inside the console's frame. */
export function loaded<T>(pending: Promise<T>): Promise<Loaded<T>> {
  return pending.then(
    (data) => ({ kind: 'ready', data }),
    (err: unknown) => loadFailure(err),
  );
}

export function loadFailure(err: unknown): LoadFailure {
  if (err instanceof ApiClientError) return { kind: 'error', message: err.message, status: err.status };
  return { kind: 'error', message: 'Something went wrong. Try again.', status: 0 };
}

export function errorMessage(err: unknown): string {
  return loadFailure(err).message;
}

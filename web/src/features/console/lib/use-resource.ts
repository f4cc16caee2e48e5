import { useCallback, useEffect, useState } from 'react';
import { ApiClientError } from '../../../lib/api-client.ts';

export type Resource<T> =
  { kind: 'loading' } | { kind: 'ready'; data: T } | { kind: 'error'; message: string; status: number };

/** Loads one API resource for a page; `reload()` after an action. Aborts on unmount or when `key` changes. */
export function useResource<T>(
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
): [Resource<T>, () => void] {
  const [state, setState] = useState<{ key: string; resource: Resource<T> }>({
    key,
    resource: { kind: 'loading' },
  });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal)
      .then((data) => {
        if (!controller.signal.aborted) setState({ key, resource: { kind: 'ready', data } });
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setState({ key, resource: errorResource(err) });
      });
    return () => controller.abort();
    // `load` is recreated on every render; `key` names what it loads.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  // Until the effect for a new key has answered, show loading rather than the previous key's data.
  return [state.key === key ? state.resource : { kind: 'loading' }, reload];
}

export function errorResource(err: unknown): { kind: 'error'; message: string; status: number } {
  if (err instanceof ApiClientError) return { kind: 'error', message: err.message, status: err.status };
  return { kind: 'error', message: 'Something went wrong. Try again.', status: 0 };
}

export function errorMessage(err: unknown): string {
  return errorResource(err).message;
}

import { useState, type FormEvent } from 'react';
import { errorMessage } from '../lib/loaded.ts';

/**
 * A console "create" form: `parse` checks the form's data with the shared schema (the server's own), `invalid` is
 * shown when it fails; otherwise `create` runs, the form is cleared and `onCreated` gets the answer. `error` is the
 * page's error line, also for the page's other actions.
 */
export function useCreateForm<Request, Created>(options: {
  parse: (data: FormData) => { success: true; data: Request } | { success: false };
  invalid: string;
  create: (request: Request) => Promise<Created>;
  onCreated: (created: Created) => void;
}) {
  const [formError, setFormError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const parsed = options.parse(new FormData(form));
    if (!parsed.success) {
      setFormError(options.invalid);
      return;
    }
    setFormError(null);
    setError(null);
    setBusy(true);
    try {
      const created = await options.create(parsed.data);
      options.onCreated(created);
      form.reset();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return { submit, busy, formError, error, setError };
}

import type { FormEvent, ReactNode } from 'react';
import { ActionButton, ManageFields } from './action-button.tsx';
import { ErrorMessage } from './error-message.tsx';

/**
 * The "create" panel of a console page (an API key, a webhook subscription): the form's fields, its error, the
 * submit button, and below it what the server showed once (`created`). The form's state is `useCreateForm`'s.
 */
export function CreateFormPanel({
  id,
  title,
  submitLabel,
  form,
  created,
  children,
}: {
  id: string;
  title: string;
  submitLabel: string;
  form: { submit: (e: FormEvent<HTMLFormElement>) => Promise<void>; busy: boolean; formError: string | null };
  created: ReactNode;
  children: ReactNode;
}) {
  return (
    <section aria-labelledby={id} className="c-panel">
      <h2 id={id}>{title}</h2>
      <form className="c-stack" onSubmit={(e) => void form.submit(e)} noValidate>
        <ManageFields>{children}</ManageFields>
        {form.formError && <ErrorMessage message={form.formError} />}
        <div>
          <ActionButton type="submit" busy={form.busy}>
            {submitLabel}
          </ActionButton>
        </div>
      </form>
      {created}
    </section>
  );
}

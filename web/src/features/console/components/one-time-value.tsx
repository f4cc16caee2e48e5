import type { ReactNode } from 'react';
import { CopyButton } from '../../../components/copy-button.tsx';

type Value = {
  /** The field's visible label. */
  label: string;
  /** What the copy button says it copies (to screen readers). */
  copyLabel: string;
  value: string;
  testId?: string;
  onCopied?: () => void;
};

/** A value the server shows only once (a key, a signing secret, an invite link): read-only, selected on focus, copyable. */
export function OneTimeValue({ label, copyLabel, value, testId, onCopied }: Value) {
  return (
    <>
      <label className="c-block">
        {label}
        <input readOnly value={value} data-testid={testId} onFocus={(e) => e.target.select()} />
      </label>
      <CopyButton value={value} label={copyLabel} {...(onCopied ? { onCopied } : {})} />
    </>
  );
}

/** {@link OneTimeValue} under what to do with it, until staff press Done. */
export function OneTimeValuePanel({
  children,
  onDone,
  ...value
}: Value & { children: ReactNode; onDone: () => void }) {
  return (
    <div className="c-panel-inner">
      <p>{children}</p>
      <OneTimeValue {...value} />
      <button type="button" onClick={onDone}>
        Done
      </button>
    </div>
  );
}

import { useState } from 'react';

/** Copies a value and says so to screen readers; the label names what is copied. */
export function CopyButton({
  value,
  label,
  onCopied,
}: {
  value: string;
  label: string;
  /** Called once the value is on the clipboard. */
  onCopied?: () => void;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <>
      <button
        type="button"
        className="button button--small"
        onClick={() => {
          void navigator.clipboard
            .writeText(value)
            .then(() => {
              setCopied(true);
              onCopied?.();
            })
            .catch(() => setCopied(false));
          window.setTimeout(() => setCopied(false), 2500);
        }}
      >
        {copied ? 'Copied' : 'Copy'}
        <span className="visually-hidden"> {label}</span>
      </button>
      <span className="visually-hidden" role="status">
        {copied ? `${label} copied` : ''}
      </span>
    </>
  );
}

/** A labelled value with a copy button, inside a `<dl>`. */
export function CopyableValue({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="copyable">
      <dt>{label}</dt>
      <dd>
        <code data-testid={testId}>{value}</code> <CopyButton value={value} label={label} />
      </dd>
    </div>
  );
}

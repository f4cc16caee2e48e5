import { useState } from 'react';

/** The button's words; the wizard passes them in the page's language (the console is in English). */
export type CopyWords = { copy: string; copied: string; valueCopied: (label: string) => string };

const ENGLISH: CopyWords = { copy: 'Copy', copied: 'Copied', valueCopied: (label) => `${label} copied` };

/** Copies a value and says so to screen readers; the label names what is copied. */
export function CopyButton({
  value,
  label,
  words = ENGLISH,
  onCopied,
}: {
  value: string;
  label: string;
  words?: CopyWords;
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
        {copied ? words.copied : words.copy}
        <span className="visually-hidden"> {label}</span>
      </button>
      <span className="visually-hidden" role="status">
        {copied ? words.valueCopied(label) : ''}
      </span>
    </>
  );
}

/** A labelled value with a copy button, inside a `<dl>`. */
export function CopyableValue({
  label,
  value,
  testId,
  words,
}: {
  label: string;
  value: string;
  testId?: string;
  words?: CopyWords;
}) {
  return (
    <div className="copyable">
      <dt>{label}</dt>
      <dd>
        <code data-testid={testId} translate="no">
          {value}
        </code>{' '}
        <CopyButton value={value} label={label} {...(words ? { words } : {})} />
      </dd>
    </div>
  );
}

import { useState } from 'react';

/** Copies a value the page shows (an invite link, a new API key); says so for screen readers too. */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <span className="copy">
      <button
        type="button"
        onClick={() => {
          navigator.clipboard.writeText(value).then(
            () => setCopied('copied'),
            () => setCopied('failed'),
          );
        }}
      >
        {label}
      </button>
      <span role="status" className="copy-status">
        {copied === 'copied'
          ? 'Copied.'
          : copied === 'failed'
            ? 'Copy failed: select the text and copy it.'
            : ''}
      </span>
    </span>
  );
}

import { useState } from 'react';
import { errorMessage } from '../lib/loaded.ts';
import { ErrorMessage } from './error-message.tsx';

/** Downloads what `load` fetches as `filename`; says so while it prepares, and shows the error if it fails. */
export function CsvDownloadButton({
  load,
  filename,
  label,
}: {
  load: () => Promise<Blob>;
  filename: string;
  label: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  async function download() {
    setBusy(true);
    setError(undefined);
    try {
      const url = URL.createObjectURL(await load());
      const a = document.createElement('a');
      a.href = url;
      a.download = filename;
      a.click();
      // The download has its own copy once click() returns; the object URL is only the hand-over.
      window.setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="c-export">
      <button type="button" disabled={busy} onClick={() => void download()}>
        {busy ? 'Preparing CSV…' : label}
      </button>
      {error && <ErrorMessage message={error} />}
    </div>
  );
}

import { useState } from 'react';
import { exportSetups } from '../api/export-setups.ts';
import type { SetupListFilter } from '../api/get-setups.ts';
import { useConsole } from '../hooks/use-console.ts';
import { errorMessage } from '../lib/loaded.ts';
import { ErrorMessage } from './error-message.tsx';

/** Downloads every setup the current filter matches (not only this page) as `setups.csv`. */
export function ExportCsvButton({ filter }: { filter: SetupListFilter }) {
  const { auth } = useConsole();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  async function download() {
    setBusy(true);
    setError(undefined);
    try {
      const blob = await exportSetups(auth, filter);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = 'setups.csv';
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
        {busy ? 'Preparing CSV…' : 'Download CSV of these setups'}
      </button>
      {error && <ErrorMessage message={error} />}
    </div>
  );
}

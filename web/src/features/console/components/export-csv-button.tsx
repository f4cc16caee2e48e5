import { exportSetups } from '../api/export-setups.ts';
import type { SetupListFilter } from '../api/get-setups.ts';
import { useConsole } from '../hooks/use-console.ts';
import { CsvDownloadButton } from './csv-download-button.tsx';

/** Downloads every setup the current filter matches (not only this page) as `setups.csv`. */
export function ExportCsvButton({ filter }: { filter: SetupListFilter }) {
  const { auth } = useConsole();
  return (
    <CsvDownloadButton
      load={() => exportSetups(auth, filter)}
      filename="setups.csv"
      label="Download CSV of these setups"
    />
  );
}

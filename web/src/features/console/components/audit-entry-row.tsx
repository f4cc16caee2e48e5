import { Link } from 'react-router';
import type { AuditEntry } from '@kantiv/shared/audit';
import { consolePaths } from '../../../config/paths.ts';
import { actorText, fieldLabel, fieldValue, type AuditRow } from '../lib/audit-rows.ts';
import { When } from './when.tsx';

function SetupCell({ entry }: { entry: AuditEntry }) {
  if (!entry.setupId) return <>{entry.target ?? '—'}</>;
  return (
    <Link to={consolePaths.setup(entry.setupId)} title={`Setup ${entry.setupId}`}>
      {entry.customerName ?? entry.setupId}
    </Link>
  );
}

function Details({ details }: { details: AuditEntry['details'] }) {
  const fields = Object.entries(details ?? {});
  if (fields.length === 0) return <>—</>;
  return (
    <dl className="c-audit-details">
      {fields.map(([key, value]) => (
        <div key={key}>
          <dt>{fieldLabel(key)}</dt>
          <dd>{fieldValue(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** One row of the audit table: an entry, or a folded run of the wizard's progress reports. */
export function AuditEntryRow({ row, now }: { row: AuditRow; now: number }) {
  if (row.kind === 'folded') {
    const [newest] = row.entries;
    const oldest = row.entries.at(-1);
    if (!newest || !oldest) return null;
    return (
      <tr data-testid="audit-row" data-folded="true">
        <td>
          <When iso={newest.at} now={now} />
        </td>
        <td title={`${newest.actor.kind}: ${newest.actor.id}`}>{actorText(newest.actor)}</td>
        <td>
          <code>{newest.action}</code>
        </td>
        <td>
          <SetupCell entry={newest} />
        </td>
        <td>
          <details>
            <summary>
              {row.entries.length === 1
                ? '1 progress report from the wizard'
                : `${row.entries.length} progress reports from the wizard`}
            </summary>
            <p>
              From <When iso={oldest.at} /> to <When iso={newest.at} />
            </p>
            {row.entries.map((e) => (
              <Details key={e.id} details={e.details} />
            ))}
          </details>
        </td>
      </tr>
    );
  }
  const { entry } = row;
  return (
    <tr data-testid="audit-row">
      <td>
        <When iso={entry.at} now={now} />
      </td>
      <td title={`${entry.actor.kind}: ${entry.actor.id}`}>{actorText(entry.actor)}</td>
      <td>
        <code>{entry.action}</code>
      </td>
      <td>
        <SetupCell entry={entry} />
      </td>
      <td>
        <Details details={entry.details} />
      </td>
    </tr>
  );
}

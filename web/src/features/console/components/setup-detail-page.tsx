import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, useRevalidator } from 'react-router';
import { CopyButton } from '../../../components/copy-button.tsx';
import type { SetupEvent } from '@kantiv/shared/events';
import type { Setup } from '@kantiv/shared/setup';
import { consolePaths } from '../../../config/paths.ts';
import { streamSetupEvents, type StreamStatus } from '../api/stream-setup-events.ts';
import { useConsole } from '../hooks/use-console.ts';
import { formatDateTime } from '../lib/format.ts';
import { credentialFactRows } from './credential-facts.tsx';
import { mergeEvents } from '../lib/timeline.ts';
import { useNow } from '../hooks/use-now.ts';
import type { Loaded } from '../lib/loaded.ts';
import { AdminMoments, AttentionNotice } from './admin-moments.tsx';
import { ErrorMessage } from './error-message.tsx';
import { SetupActions } from './setup-actions.tsx';
import { SetupHealth } from './setup-health.tsx';
import { SetupTimeline } from './setup-timeline.tsx';
import { StateBadge } from './state-badge.tsx';
import { StepAnnouncer } from './step-announcer.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';

const STREAM_LABELS: Record<StreamStatus, string> = {
  connecting: 'Connecting to live updates…',
  live: 'Live: updates appear as they happen.',
  reconnecting: 'Connection lost; reconnecting…',
};

/**
 * One setup, live: its facts, its actions and a timeline fed by Server-Sent Events (no reload needed). `loaded` is
 * the loader's answer; render it with `key` set to the setup's id, so that events and stream state never leak from
 * one setup to the next.
 */
export function SetupDetailPage({ id, loaded }: { id: string; loaded: Loaded<Setup> }) {
  usePageTitle(loaded.kind === 'ready' ? `${loaded.data.customerName} · Setup` : 'Setup');
  const { auth } = useConsole();
  const { revalidate } = useRevalidator();
  // Once shown, a setup stays on screen when a later re-read fails (the stream says when it is back).
  const [setup, setSetup] = useState(loaded);
  const [answer, setAnswer] = useState(loaded);
  if (answer !== loaded) {
    setAnswer(loaded);
    if (loaded.kind === 'ready' || setup.kind !== 'ready') setSetup(loaded);
  }
  const [events, setEvents] = useState<SetupEvent[]>([]);
  const [stream, setStream] = useState<StreamStatus>('connecting');
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  // The summary is read again shortly after events arrive: facts such as the client id or the verification result
  // come with the summary, not with the event.
  useEffect(() => {
    const controller = new AbortController();
    void streamSetupEvents(
      auth,
      id,
      (event) => {
        setEvents((prev) => mergeEvents(prev, [event]));
        clearTimeout(refreshTimer.current);
        refreshTimer.current = setTimeout(() => void revalidate(), 250);
      },
      setStream,
      controller.signal,
    );
    return () => {
      controller.abort();
      clearTimeout(refreshTimer.current);
    };
  }, [auth, id, revalidate]);

  if (setup.kind === 'error') {
    return (
      <>
        <h1>Setup</h1>
        <ErrorMessage message={setup.status === 404 ? 'This setup does not exist.' : setup.message} />
        <Link to={consolePaths.setups}>Back to all setups</Link>
      </>
    );
  }
  const s = setup.data;
  return (
    <>
      <p>
        <Link to={consolePaths.setups}>← All setups</Link>
      </p>
      <div className="c-page-title">
        <h1>{s.customerName}</h1>
        <span data-testid="setup-state">
          <StateBadge state={s.state} />
        </span>
      </div>
      <p className="c-stream-status" role="status" data-stream={stream}>
        {STREAM_LABELS[stream]}
      </p>
      <AttentionNotice setup={s} />
      <SetupFacts setup={s} />
      <SetupHealth setup={s} onChanged={() => void revalidate()} />
      <SetupActions
        setup={s}
        onChanged={(next) => (next ? setSetup({ kind: 'ready', data: next }) : void revalidate())}
      />
      <AdminMoments events={events} />
      <StepAnnouncer setup={s} />
      <SetupTimeline setup={s} events={events} />
    </>
  );
}

/** An id support pastes into Microsoft's portals or a ticket: shown as code, with its copy button. */
function IdValue({ label, value }: { label: string; value: string }) {
  return (
    <>
      <code>{value}</code> <CopyButton value={value} label={label} />
    </>
  );
}

function SetupFacts({ setup }: { setup: Setup }) {
  const now = useNow();
  const v = setup.verification;
  const rows: [string, ReactNode][] = [
    ['Setup id', <IdValue key="id" label="Setup id" value={setup.id} />],
    ['Created', formatDateTime(setup.createdAt)],
    ['Last activity', formatDateTime(setup.updatedAt)],
    ['Invite expires', formatDateTime(setup.inviteExpiresAt)],
    ['Expected tenant domain', setup.expectedTenantDomain ?? '—'],
    [
      'Tenant',
      setup.tenantId ? (
        <>
          {setup.tenantDomain ? `${setup.tenantDomain} ` : ''}
          <IdValue label="Tenant id" value={setup.tenantId} />
        </>
      ) : (
        '—'
      ),
    ],
    ['Signed in admin', setup.adminUsername ?? '—'],
    [
      'Environment',
      setup.environmentUrl ?? (setup.environmentHint ? `${setup.environmentHint} (hint)` : '—'),
    ],
    ['Client id', setup.clientId ? <IdValue label="Client id" value={setup.clientId} /> : '—'],
    [
      'Application user',
      setup.applicationUserId ? <IdValue label="Application user id" value={setup.applicationUserId} /> : '—',
    ],
    ['Security role', setup.roleName ?? setup.manifest.roleName],
    ...credentialFactRows(setup, now),
    [
      'Last verification',
      v
        ? `${v.status}${v.checkedAt ? `, ${formatDateTime(v.checkedAt)}` : ''}${v.error ? ` — ${v.error.code}: ${v.error.message}` : ''}`
        : '—',
    ],
  ];
  return (
    <section aria-labelledby="facts-heading" className="c-panel">
      <h2 id="facts-heading">Connection</h2>
      <dl className="c-facts">
        {rows.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {v?.tables && v.tables.length > 0 && (
        <>
          <h3>Table checks</h3>
          <ul>
            {v.tables.map((t) => (
              <li key={t.table}>
                {t.table}:{' '}
                {t.ok ? 'readable' : `failed${t.error ? ` — ${t.error.code}: ${t.error.message}` : ''}`}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

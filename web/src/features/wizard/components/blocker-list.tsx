import { useEffect } from 'react';
import type { Blocker } from '@kantiv/provisioning';
import { postMoment } from '../api/post-moment.ts';
import { EngineExplanation } from './engine-explanation.tsx';

/** The admin's own form slips (nothing chosen yet) are no reason for support to step in. */
const NOT_REPORTED = new Set(['no_environment']);

/**
 * Blockers with the exact fix, announced when they appear, in the page's language (support is told the engine's
 * English words, the same explanation).
 */
export function BlockerList({ blockers, title }: { blockers: Blocker[]; title: string }) {
  const reported = blockers.filter((b) => !NOT_REPORTED.has(b.code));
  const key = reported.map((b) => `${b.code}:${b.message}`).join('|');
  // Support sees what the admin sees, with the same fix (the server keeps one record per distinct blocker).
  useEffect(() => {
    if (reported.length === 0) return;
    postMoment({
      moment: 'blocked',
      blockers: reported.slice(0, 20).map((b) => ({
        code: b.code.slice(0, 200),
        message: b.message.slice(0, 2000),
        fix: b.fix.slice(0, 2000),
      })),
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per distinct set of blockers
  }, [key]);
  if (blockers.length === 0) return null;
  return (
    <section className="notice notice--error" role="alert" aria-labelledby="blockers-title">
      <h2 id="blockers-title">{title}</h2>
      <ul className="blockers">
        {blockers.map((b) => (
          <li key={b.code} data-testid={`blocker-${b.code}`}>
            <EngineExplanation error={b} />
          </li>
        ))}
      </ul>
    </section>
  );
}

import type { Blocker } from '@kantiv/provisioning';

/** Blockers with the exact fix, announced when they appear. */
export function BlockerList({ blockers, title }: { blockers: Blocker[]; title: string }) {
  if (blockers.length === 0) return null;
  return (
    <section className="notice notice--error" role="alert" aria-labelledby="blockers-title">
      <h2 id="blockers-title">{title}</h2>
      <ul className="blockers">
        {blockers.map((b) => (
          <li key={b.code} data-testid={`blocker-${b.code}`}>
            <p>
              <strong>{b.message}</strong>
            </p>
            <p>
              <span className="label">How to fix it: </span>
              {b.fix}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

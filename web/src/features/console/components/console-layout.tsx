import { NavLink, Outlet } from 'react-router';
import { consolePaths } from '../../../config/paths.ts';
import { useConsole } from '../hooks/use-console.ts';
import { ReadOnlyNotice } from './action-button.tsx';

export function ConsoleLayout() {
  const { auth, session } = useConsole();
  return (
    <div className="console">
      <a className="skip-link" href="#console-main">
        Skip to content
      </a>
      <header className="console-header">
        <p className="console-brand">Kantiv Connect · Support</p>
        <nav aria-label="Console">
          <ul>
            <li>
              <NavLink to={consolePaths.setups} end>
                Setups
              </NavLink>
            </li>
            <li>
              <NavLink to={consolePaths.apiKeys}>API keys</NavLink>
            </li>
            <li>
              <NavLink to={consolePaths.webhooks}>Webhooks</NavLink>
            </li>
            <li>
              <NavLink to={consolePaths.audit}>Audit log</NavLink>
            </li>
          </ul>
        </nav>
        <div className="console-user">
          <span data-testid="staff-user">
            {session.name} ({session.access.canManage ? 'Connect.Manage' : 'Connect.Read, read-only'})
          </span>
          <button type="button" onClick={() => void auth.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="console-main" className="console-main">
        <ReadOnlyNotice />
        <Outlet />
      </main>
    </div>
  );
}

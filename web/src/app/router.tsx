import { createBrowserRouter } from 'react-router';
import { paths } from '../config/paths.ts';
import { WIZARD_ROUTE_ID } from '../features/wizard/lib/use-wizard.ts';
import { HomeRoute } from './routes/home.tsx';
import { NotFoundRoute } from './routes/not-found.tsx';

/**
 * The wizard is routes (`/setup/:setupId/<step>`): the layout's loader reads the setup from the server and redirects
 * to the first incomplete step. Every page but the start page is its own lazy chunk; the support console too.
 */
export function createRouter() {
  return createBrowserRouter([
    { path: paths.home, element: <HomeRoute /> },
    { path: paths.invite, lazy: () => import('./routes/invite.tsx') },
    {
      id: WIZARD_ROUTE_ID,
      path: paths.setup.pattern,
      lazy: () => import('./routes/setup/layout.tsx'),
      children: [
        { index: true, element: null },
        { path: 'welcome', lazy: () => import('./routes/setup/welcome.tsx') },
        { path: 'sign-in', lazy: () => import('./routes/setup/sign-in.tsx') },
        { path: 'environment', lazy: () => import('./routes/setup/environment.tsx') },
        { path: 'plan', lazy: () => import('./routes/setup/plan.tsx') },
        { path: 'run', lazy: () => import('./routes/setup/run.tsx') },
        { path: 'done', lazy: () => import('./routes/setup/done.tsx') },
        { path: 'manual', lazy: () => import('./routes/setup/manual.tsx') },
      ],
    },
    { path: `${paths.console}/*`, lazy: () => import('./routes/console.tsx') },
    { path: '*', element: <NotFoundRoute /> },
  ]);
}

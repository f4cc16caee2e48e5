import { createBrowserRouter, Navigate } from 'react-router';
import { BootShellOrLoadingPage, LoadingPage } from '../components/loading-page.tsx';
import { paths, type WizardStep } from '../config/paths.ts';
import { WIZARD_ROUTE_ID } from '../features/wizard/hooks/use-wizard.ts';
import { NotFoundRoute } from './routes/not-found.tsx';
import * as wizardLayout from './routes/setup/layout.tsx';
import * as welcomePage from './routes/setup/welcome.tsx';

/**
 * Each wizard page is its own lazy chunk but the welcome page, which an invite link opens: it comes with the first
 * bundle rather than one more round trip after it (on a slow mobile connection, the page's largest paint waited for
 * it). MSAL stays out of it: the welcome page imports it only when its button is pressed.
 */
const stepPages = {
  welcome: () => Promise.resolve(welcomePage),
  'sign-in': () => import('./routes/setup/sign-in.tsx'),
  environment: () => import('./routes/setup/environment.tsx'),
  plan: () => import('./routes/setup/plan.tsx'),
  run: () => import('./routes/setup/run.tsx'),
  done: () => import('./routes/setup/done.tsx'),
} satisfies Record<WizardStep, () => Promise<unknown>>;

/**
 * The wizard is routes (`/setup/:setupId/<step>`): the layout's loader reads the setup from the server and redirects
 * to the first incomplete step. The layout (the frame of every wizard page, and its loader) is part of the first
 * bundle, so the setup is requested as soon as the app starts rather than after one more chunk; every page but
 * the start page is its own lazy chunk, and so is the support console. Until the first page is ready, the
 * LoadingPage that index.html also shows stays on screen.
 */
export function createRouter() {
  return createBrowserRouter([
    // Its own chunk: it checks the service's health with a zod schema, which the wizard's first page does without.
    {
      path: paths.home,
      HydrateFallback: LoadingPage,
      lazy: async () => ({ Component: (await import('./routes/home.tsx')).HomeRoute }),
    },
    { path: paths.invite, HydrateFallback: LoadingPage, lazy: () => import('./routes/invite.tsx') },
    {
      path: paths.adminConsentReturn,
      HydrateFallback: LoadingPage,
      lazy: () => import('./routes/admin-consent.tsx'),
    },
    {
      id: WIZARD_ROUTE_ID,
      path: paths.setup.pattern,
      ...wizardLayout,
      HydrateFallback: BootShellOrLoadingPage,
      loader: wizardLayout.loader,
      children: [
        { index: true, element: null },
        { path: 'welcome', lazy: stepPages.welcome },
        { path: 'sign-in', lazy: stepPages['sign-in'] },
        { path: 'environment', lazy: stepPages.environment },
        { path: 'plan', lazy: stepPages.plan },
        { path: 'run', lazy: stepPages.run },
        { path: 'done', lazy: stepPages.done },
        { path: 'manual', lazy: () => import('./routes/setup/manual.tsx') },
        { path: 'disconnect', lazy: () => import('./routes/setup/disconnect.tsx') },
      ],
    },
    {
      path: paths.console,
      HydrateFallback: LoadingPage,
      lazy: () => import('./routes/console/layout.tsx'),
      // Each page reads its data in its loader, in parallel with the console's own (staff sign-in) loader.
      children: [
        { index: true, element: <Navigate to="setups" replace /> },
        { path: 'setups', lazy: () => import('./routes/console/setups.tsx') },
        { path: 'setups/new', lazy: () => import('./routes/console/new-setup.tsx') },
        { path: 'setups/:id', lazy: () => import('./routes/console/setup.tsx') },
        { path: 'api-keys', lazy: () => import('./routes/console/api-keys.tsx') },
        { path: 'webhooks', lazy: () => import('./routes/console/webhooks.tsx') },
        { path: 'audit', lazy: () => import('./routes/console/audit.tsx') },
        { path: '*', lazy: () => import('./routes/console/not-found.tsx') },
      ],
    },
    { path: '*', element: <NotFoundRoute /> },
  ]);
}

import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { createRouter } from './app/router.tsx';
import { paths } from './config/paths.ts';
import { captureTokenFromFragment } from './features/wizard/lib/setup-token.ts';
import './styles.css';

// The invite's setup token leaves the address bar before anything else runs (history, referrers, screenshots).
if (captureTokenFromFragment(window.location, window.history) && window.location.pathname === paths.home) {
  window.history.replaceState(null, '', paths.invite);
}

// Created only now: the router starts loading the first page's data as soon as it exists.
const router = createRouter();
const root = document.getElementById('root');
if (!root) throw new Error('The page has no #root element.');
// A transition: React renders the first page in slices, yielding to the browser between them, instead of one long
// task that blocks input on a slow phone (Lighthouse's total blocking time).
startTransition(() => {
  createRoot(root).render(
    <StrictMode>
      <RouterProvider router={router} />
    </StrictMode>,
  );
});

import { StrictMode } from 'react';
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
createRoot(root).render(
  <StrictMode>
    <RouterProvider router={router} />
  </StrictMode>,
);

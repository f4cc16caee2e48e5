import { createBrowserRouter } from 'react-router';
import { paths } from '../config/paths.ts';
import { HomeRoute } from './routes/home.tsx';
import { NotFoundRoute } from './routes/not-found.tsx';

export const router = createBrowserRouter([
  { path: paths.home, element: <HomeRoute /> },
  { path: '/console/*', lazy: () => import('./routes/console.tsx') },
  { path: '*', element: <NotFoundRoute /> },
]);

import { useLoaderData, type LoaderFunctionArgs } from 'react-router';
import { getSetups } from '../../../features/console/api/get-setups.ts';
import { SetupsListPage } from '../../../features/console/components/setups-list-page.tsx';
import { setupListFilterFrom } from '../../../features/console/lib/list-filters.ts';
import { loadConsolePage } from '../../../features/console/lib/page-loader.ts';

export function loader({ request }: LoaderFunctionArgs) {
  const filter = setupListFilterFrom(new URL(request.url).searchParams);
  return loadConsolePage((auth) => getSetups(auth, filter, request.signal));
}

export function Component() {
  const list = useLoaderData<typeof loader>();
  return list && <SetupsListPage list={list} />;
}

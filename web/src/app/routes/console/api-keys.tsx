import { useLoaderData, type LoaderFunctionArgs } from 'react-router';
import { getApiKeys } from '../../../features/console/api/get-api-keys.ts';
import { ApiKeysPage } from '../../../features/console/components/api-keys-page.tsx';
import { loadConsolePage } from '../../../features/console/lib/page-loader.ts';

export function loader({ request }: LoaderFunctionArgs) {
  return loadConsolePage((auth) => getApiKeys(auth, request.signal));
}

export function Component() {
  const keys = useLoaderData<typeof loader>();
  return keys && <ApiKeysPage keys={keys} />;
}

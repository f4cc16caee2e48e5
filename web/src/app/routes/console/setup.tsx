import { useLoaderData, useParams, type LoaderFunctionArgs } from 'react-router';
import { getSetup } from '../../../features/console/api/get-setup.ts';
import { SetupDetailPage } from '../../../features/console/components/setup-detail-page.tsx';
import { loadConsolePage } from '../../../features/console/lib/page-loader.ts';

export function loader({ request, params }: LoaderFunctionArgs) {
  return loadConsolePage((auth) => getSetup(auth, params.id ?? '', request.signal));
}

export function Component() {
  const { id = '' } = useParams();
  const setup = useLoaderData<typeof loader>();
  return setup && <SetupDetailPage key={id} id={id} loaded={setup} />;
}

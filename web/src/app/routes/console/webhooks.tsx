import { useLoaderData, type LoaderFunctionArgs } from 'react-router';
import { getWebhookDeliveries } from '../../../features/console/api/get-webhook-deliveries.ts';
import { getWebhooks } from '../../../features/console/api/get-webhooks.ts';
import { WebhooksPage } from '../../../features/console/components/webhooks-page.tsx';
import { loaded } from '../../../features/console/lib/loaded.ts';
import { loadConsolePage } from '../../../features/console/lib/page-loader.ts';

/** The subscriptions, each with its recent deliveries (a failed delivery list shows under its subscription only). */
export function loader({ request }: LoaderFunctionArgs) {
  return loadConsolePage(async (auth) => {
    const subs = await getWebhooks(auth, request.signal);
    return Promise.all(
      subs.map(async (sub) => ({
        sub,
        deliveries: await loaded(getWebhookDeliveries(auth, sub.id, request.signal)),
      })),
    );
  });
}

export function Component() {
  const subs = useLoaderData<typeof loader>();
  return subs && <WebhooksPage subs={subs} />;
}

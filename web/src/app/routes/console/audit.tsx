import { useLoaderData, type LoaderFunctionArgs } from 'react-router';
import { getAuditLog } from '../../../features/console/api/get-audit-log.ts';
import { AuditLogPage } from '../../../features/console/components/audit-log-page.tsx';
import { auditFilterFrom } from '../../../features/console/lib/list-filters.ts';
import { loadConsolePage } from '../../../features/console/lib/page-loader.ts';

export function loader({ request }: LoaderFunctionArgs) {
  const filter = auditFilterFrom(new URL(request.url).searchParams);
  return loadConsolePage((auth) => getAuditLog(auth, filter, request.signal));
}

export function Component() {
  const log = useLoaderData<typeof loader>();
  return log && <AuditLogPage log={log} />;
}

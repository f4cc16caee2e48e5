import { useLoaderData } from 'react-router';
import { AdminConsentReturn } from '../../features/wizard/components/admin-consent-return.tsx';
import {
  readAdminConsentAnswer,
  type AdminConsentAnswer,
} from '../../features/wizard/lib/admin-consent-answer.ts';
import { ensureLanguage } from '../../features/wizard/lib/i18n.ts';

/** `/admin-consent?…`: where the redirect bridge sends Microsoft's answer to the admin-consent link. */
export async function loader({ request }: { request: Request }): Promise<AdminConsentAnswer> {
  await ensureLanguage();
  return readAdminConsentAnswer(new URL(request.url).search);
}

export function Component() {
  return <AdminConsentReturn answer={useLoaderData<AdminConsentAnswer>()} />;
}

import { z } from 'zod';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

const InviteLinkSchema = z.object({ inviteUrl: z.url() });

/** A fresh invite link (a new setup token; the old one stops working). Shown once. */
export function createInviteLink(auth: Pick<StaffAuth, 'getAccessToken'>, id: string): Promise<string> {
  return consoleRequest(auth, consoleApiPaths.setupAction(id, 'invite'), InviteLinkSchema, {
    method: 'POST',
    body: {},
  }).then((r) => r.inviteUrl);
}

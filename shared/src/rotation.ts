import { z } from 'zod';

/** One certificate rotation (decision 012) as the API and console show it: identifiers and times, never a key. */
export const CredentialRotationSchema = z.object({
  id: z.uuid(),
  /** `scheduled`: before expiry, with no admin; `rotate_now`: support, for a key thought compromised. */
  reason: z.enum(['scheduled', 'rotate_now', 'renewal']),
  /** Where it stands: the old key keeps working until `switched`, and is removed at `completed`. */
  status: z.enum(['pending', 'generated', 'added', 'verified', 'switched', 'completed']),
  fromThumbprint: z.string().nullable(),
  toThumbprint: z.string().nullable(),
  toExpiresAt: z.iso.datetime().nullable(),
  /** Failed attempts so far (each retried with backoff; the setup needs attention after a few). */
  failures: z.number().int(),
  lastError: z.string().nullable(),
  startedAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
});
export type CredentialRotation = z.infer<typeof CredentialRotationSchema>;

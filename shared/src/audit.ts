import { z } from 'zod';

export const AuditActorKindSchema = z.enum(['staff', 'api_key', 'setup_token', 'system']);
export type AuditActorKind = z.infer<typeof AuditActorKindSchema>;

/** One append-only audit record: who did what to which setup. Never a secret or a token. */
export const AuditEntrySchema = z.object({
  id: z.number().int().positive(),
  at: z.iso.datetime(),
  actor: z.object({ kind: AuditActorKindSchema, id: z.string() }),
  action: z.string(),
  setupId: z.string().optional(),
  target: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const AuditListQuerySchema = z.object({
  setupId: z.uuid().optional(),
  action: z.string().trim().min(1).max(100).optional(),
  actorKind: AuditActorKindSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** The `nextCursor` of the previous page: entries older than it. */
  cursor: z.coerce.number().int().positive().optional(),
});

export const AuditListSchema = z.object({
  items: z.array(AuditEntrySchema),
  nextCursor: z.number().int().optional(),
});
export type AuditList = z.infer<typeof AuditListSchema>;

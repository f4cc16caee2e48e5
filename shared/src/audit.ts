import { z } from 'zod';

export const AuditActorKindSchema = z.enum(['staff', 'api_key', 'setup_token', 'system']);
export type AuditActorKind = z.infer<typeof AuditActorKindSchema>;

/** One append-only audit record: who did what to which setup. Never a secret or a token. */
export const AuditEntrySchema = z.object({
  id: z.number().int().positive(),
  at: z.iso.datetime(),
  actor: z.object({
    kind: AuditActorKindSchema,
    id: z.string(),
    /** Staff: the name and e-mail last seen at sign-in; API key: its name. Not part of the hashed entry. */
    name: z.string().optional(),
    email: z.string().optional(),
  }),
  action: z.string(),
  setupId: z.string().optional(),
  /** The setup's customer name, looked up when listed. */
  customerName: z.string().optional(),
  target: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

const AuditFilterFields = z.object({
  setupId: z.uuid().optional(),
  action: z.string().trim().min(1).max(100).optional(),
  actorKind: AuditActorKindSchema.optional(),
  /** Entries at or after this moment (ISO 8601 with offset). */
  from: z.iso.datetime({ offset: true }).optional(),
  /** Entries before this moment. */
  to: z.iso.datetime({ offset: true }).optional(),
});
const rangeInOrder = (q: { from?: string | undefined; to?: string | undefined }) =>
  !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to);
const rangeMessage = { message: '`from` must be before `to`.', path: ['to'] };

/** The filters of the list and of its CSV export. */
export const AuditFilterQuerySchema = AuditFilterFields.refine(rangeInOrder, rangeMessage);
export type AuditFilterQuery = z.infer<typeof AuditFilterQuerySchema>;

export const AuditListQuerySchema = AuditFilterFields.extend({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** The `nextCursor` of the previous page: entries older than it. */
  cursor: z.coerce.number().int().positive().optional(),
}).refine(rangeInOrder, rangeMessage);

export const AuditListSchema = z.object({
  items: z.array(AuditEntrySchema),
  nextCursor: z.number().int().optional(),
});
export type AuditList = z.infer<typeof AuditListSchema>;

/** Every action the log holds, for the filter's list. */
export const AuditActionListSchema = z.object({ items: z.array(z.string()) });
export type AuditActionList = z.infer<typeof AuditActionListSchema>;

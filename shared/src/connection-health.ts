import { z } from 'zod';

/**
 * How a verified connection is doing now, next to (never instead of) its setup state: `healthy` (every probe
 * passed), `degraded` (it still signs in, but something the manifest needs is gone, or Microsoft has been failing
 * for longer than a check interval), `broken` (it cannot sign in or reach the environment as its application user).
 */
export const ConnectionHealthSchema = z.enum(['healthy', 'degraded', 'broken']);
export type ConnectionHealth = z.infer<typeof ConnectionHealthSchema>;

/** Which link fixes a drift: a renewal link (new credential), a repair link (the wizard reconciles), or none. */
export const HealthFixLinkSchema = z.enum(['renewal', 'repair', 'none']);

/** A missing privilege as the Power Platform admin center shows it: table, access right, access level. */
export const MissingPrivilegeSchema = z.object({
  privilege: z.string(),
  table: z.string(),
  access: z.string(),
  /** Organization, Parent: Child Business Units, Business Unit, User. */
  level: z.string(),
});

export const HealthCauseSchema = z.object({
  /** Stable kind of drift, e.g. `credential_removed`, `app_deleted`, `privileges_removed`. */
  code: z.string(),
  message: z.string(),
  /** What exactly to change, and where. */
  fix: z.string(),
  link: HealthFixLinkSchema,
  /** Microsoft's own code (AADSTS…, 0x8004…), for support to quote. */
  microsoftCode: z.string().optional(),
  missing: z.array(MissingPrivilegeSchema).optional(),
});
export type HealthCause = z.infer<typeof HealthCauseSchema>;

export const SetupHealthSchema = z.object({
  health: ConnectionHealthSchema,
  lastCheckedAt: z.iso.datetime(),
  /** Since when the connection has been in this health. */
  since: z.iso.datetime(),
  cause: HealthCauseSchema.optional(),
});
export type SetupHealth = z.infer<typeof SetupHealthSchema>;

export const HealthHistoryEntrySchema = z.object({
  at: z.iso.datetime(),
  health: ConnectionHealthSchema,
  cause: HealthCauseSchema.optional(),
});
export const HealthHistorySchema = z.object({ items: z.array(HealthHistoryEntrySchema) });
export type HealthHistory = z.infer<typeof HealthHistorySchema>;

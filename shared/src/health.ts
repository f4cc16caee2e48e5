import { z } from 'zod';

export const HealthSchema = z.object({
  status: z.literal('ok'),
  service: z.literal('kantiv-connect'),
  version: z.string(),
  uptimeSeconds: z.number().nonnegative(),
});
export type Health = z.infer<typeof HealthSchema>;

export const ReadinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.enum(['ok', 'failing'])),
});
export type Readiness = z.infer<typeof ReadinessSchema>;

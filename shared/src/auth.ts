import { z } from 'zod';

/** App roles of Kantiv staff, carried in the `roles` claim of their access token for our API. */
export const StaffRoleSchema = z.enum(['Connect.Manage', 'Connect.Read']);
export type StaffRole = z.infer<typeof StaffRoleSchema>;

/** What a machine API key may do. */
export const ApiKeyScopeSchema = z.enum([
  'setups:read',
  'setups:write',
  'connections:token',
  'webhooks:manage',
]);
export type ApiKeyScope = z.infer<typeof ApiKeyScopeSchema>;

export const CreateApiKeyRequestSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(ApiKeyScopeSchema).min(1),
  })
  .strict();

export const ApiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  scopes: z.array(ApiKeyScopeSchema),
  /** First characters of the key, to recognise it; the key itself is shown once at creation. */
  prefix: z.string(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().optional(),
  revokedAt: z.iso.datetime().optional(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const CreateApiKeyResponseSchema = z.object({ apiKey: ApiKeySchema, key: z.string() });

export const ApiKeyListSchema = z.object({ items: z.array(ApiKeySchema) });

import { z } from 'zod';

/** The only place that reads `import.meta.env`; parsed once, failing loudly with every bad key named. */
const EnvSchema = z.object({
  /** Base URL of our API; empty means same origin (the server serves the SPA). */
  VITE_API_BASE_URL: z.string().default(''),
});

export type WebEnv = { apiBaseUrl: string };

export function parseEnv(raw: Record<string, unknown>): WebEnv {
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `Invalid web configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return { apiBaseUrl: parsed.data.VITE_API_BASE_URL.replace(/\/$/, '') };
}

export const env = parseEnv(import.meta.env);

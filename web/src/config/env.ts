/**
 * The only place that reads `import.meta.env`; parsed once, failing loudly with every bad key named. Checked by hand,
 * not with zod: this module is in the first page's bundle, which loads no zod (decision 015, tenth wave).
 */
export type WebEnv = { apiBaseUrl: string };

export function parseEnv(raw: Record<string, unknown>): WebEnv {
  /** Base URL of our API; empty means same origin (the server serves the SPA). */
  const base = raw.VITE_API_BASE_URL ?? '';
  if (typeof base !== 'string') {
    throw new Error('Invalid web configuration: VITE_API_BASE_URL: Invalid input: expected string');
  }
  return { apiBaseUrl: base.replace(/\/$/, '') };
}

export const env = parseEnv(import.meta.env);

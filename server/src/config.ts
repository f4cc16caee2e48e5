import { z } from 'zod';

/**
 * The only place that reads the environment. Every other module receives a typed `Config`.
 * A bad value stops the process at start with every problem named, never later at first use.
 */
const ConfigSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Public origin of the web app, used to build invite links. */
  PUBLIC_URL: z.url().default('http://localhost:8080'),
  /** Folder holding the built SPA (web/dist). When set, the server serves it with an SPA fallback. */
  WEB_DIST_DIR: z.string().min(1).optional(),
});

export type Config = {
  host: string;
  port: number;
  logLevel: z.infer<typeof ConfigSchema>['LOG_LEVEL'];
  publicUrl: string;
  webDistDir: string | undefined;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const c = parsed.data;
  return {
    host: c.HOST,
    port: c.PORT,
    logLevel: c.LOG_LEVEL,
    publicUrl: c.PUBLIC_URL.replace(/\/$/, ''),
    webDistDir: c.WEB_DIST_DIR,
  };
}

import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { startTracing, stopTracing } from './services/telemetry/tracing.ts';

/** The only file that listens. Closes gracefully on SIGINT/SIGTERM so in-flight requests and jobs finish. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  // Before the app: the store and the routes are instrumented as they are built. Off by default (no SDK loaded).
  if (config.tracing.enabled) await startTracing(config.tracing);
  const app = await buildApp({ config });
  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await app.close();
    // What the last requests and jobs traced is still in the batch: send it before exiting.
    await stopTracing().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', () => void close('SIGINT'));
  process.once('SIGTERM', () => void close('SIGTERM'));
  await app.listen({ host: config.host, port: config.port });
  app.log.info(
    { database: config.database.kind, instance: config.instanceId, activeKey: config.keyring.activeKid },
    'Kantiv Connect API ready',
  );
}

await main();

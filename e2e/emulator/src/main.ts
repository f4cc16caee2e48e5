import { startEmulator } from './index.ts';

/**
 * `pnpm emulator`: starts the emulator and prints one `emulator ready {json}` line with its URLs and the seeded
 * tenants, then serves until interrupted. PORT and REPLICATION_DELAY_MS may be set in the environment.
 */
const port = Number(process.env.EMULATOR_PORT ?? process.env.PORT ?? 8443);
const replicationDelayMs = Number(process.env.REPLICATION_DELAY_MS ?? 10_000);
const emulator = await startEmulator({ port, replicationDelayMs });

console.log(
  `emulator ready ${JSON.stringify({
    port: emulator.port,
    authority: `${emulator.urls.authorityHost}/organizations`,
    knownAuthority: emulator.urls.knownAuthority,
    graph: emulator.urls.graph,
    globalDiscovery: emulator.urls.globalDiscovery,
    environments: emulator.urls.environments,
    control: emulator.urls.control,
    tenants: emulator.tenants,
    wizardClientId: emulator.seed.apps.wizard.appId,
    chromiumArgs: emulator.chromiumArgs,
    home: `${emulator.urls.authorityHost}/`,
  })}`,
);

const stop = () => {
  void emulator.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

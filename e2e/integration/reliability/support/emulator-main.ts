import { startEmulator } from '@kantiv/emulator';

/**
 * The emulator as its own process for the reliability suite: like `pnpm emulator`, but it also prints the run's
 * certificate (the servers under test trust it through MICROSOFT_CA_FILE) and listens on a free port.
 */
const emulator = await startEmulator({
  port: 0,
  replicationDelayMs: Number(process.env.REPLICATION_DELAY_MS ?? 0),
});
console.log(
  `emulator ready ${JSON.stringify({
    port: emulator.port,
    certificate: emulator.certificate,
    tenants: emulator.tenants,
    wizardClientId: emulator.seed.apps.wizard.appId,
    environments: emulator.urls.environments,
  })}`,
);
const stop = () => void emulator.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

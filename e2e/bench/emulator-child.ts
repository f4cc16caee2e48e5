import { startEmulator } from '@kantiv/emulator';

/**
 * The emulator for a bench, in a process of its own (started by emulator-process.ts): Microsoft's side then takes
 * no CPU from the server's event loop and no memory from the server's peak RSS. Sends what the parent needs to reach
 * it over IPC, then serves until the parent disconnects.
 */
const emulator = await startEmulator({ replicationDelayMs: Number(process.env.REPLICATION_DELAY_MS ?? 0) });
process.send?.({
  port: emulator.port,
  certificate: emulator.certificate,
  microsoftHostMap: emulator.microsoftHostMap,
  urls: emulator.urls,
  tenants: emulator.tenants,
  wizardClientId: emulator.seed.apps.wizard.appId,
});
process.on('disconnect', () => {
  void emulator.close().then(() => process.exit(0));
});

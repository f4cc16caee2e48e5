import { startEmulatorProcess, type EmulatorProc } from './emulator-process.ts';
import { createPgDatabase, type PgDatabase } from './postgres.ts';
import { killAll } from './processes.ts';
import { removeDir, tempDir } from './server-process.ts';
import { startStaffIssuer, type StaffIssuer } from './staff-issuer.ts';

/** What a test file runs its servers against: a scratch folder, a fresh database, the emulator, the staff issuer. */
export type World = {
  dir: string;
  db: PgDatabase;
  emu: EmulatorProc;
  issuer: StaffIssuer;
  /** `startServer` environment for all of it: data folder, database, the emulator's host map, the staff issuer. */
  env: Record<string, string>;
};

const teardown: (() => Promise<void> | void)[] = [];

/**
 * Starts the world in `beforeAll`; {@link stopWorld} in `afterAll` undoes whatever of it started, also when a later
 * part failed to start. `emulator: false` leaves the emulator out.
 */
export async function startWorld(prefix: string): Promise<World>;
export async function startWorld(prefix: string, parts: { emulator: false }): Promise<Omit<World, 'emu'>>;
export async function startWorld(
  prefix: string,
  parts: { emulator?: boolean } = {},
): Promise<Omit<World, 'emu'> & { emu?: EmulatorProc }> {
  const dir = tempDir(prefix);
  teardown.push(() => removeDir(dir));
  const db = await createPgDatabase();
  teardown.push(() => db.drop());
  const [emu, issuer] = await Promise.all([
    parts.emulator === false ? undefined : startEmulatorProcess(dir),
    startStaffIssuer().then((i) => {
      teardown.push(() => i.close());
      return i;
    }),
  ]);
  const env = { DATA_DIR: dir, DATABASE_URL: db.url, ...emu?.hostMapEnv(), ...issuer.env };
  return { dir, db, issuer, env, ...(emu ? { emu } : {}) };
}

/** Kills every process the file started, then closes the issuer, drops the database and removes the folder. */
export async function stopWorld(): Promise<void> {
  await killAll();
  for (const undo of teardown.splice(0).reverse()) await undo();
}

import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startEmulator, type Emulator } from '../../src/index.ts';

/**
 * The test file's emulator. An exported `let` is a live binding, so a file that calls `useEmulator()` reads the
 * emulator its own `beforeAll` started (Vitest gives every test file its own module instance).
 */
export let emulator: Emulator;

/** One emulator per test file, its state reset before each test. */
export function useEmulator(): void {
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator.close();
  });
  beforeEach(() => {
    emulator.control.reset();
  });
}

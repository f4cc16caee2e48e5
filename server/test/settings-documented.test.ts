import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../src/config.ts';
import { ConsoleSchema } from '../src/console-config.ts';
import { HealthSchema } from '../src/health-config.ts';
import { RotationEnvSchema } from '../src/services/credentials/rotation-config.ts';

/** An operator can only set what the README's settings table names: every variable the server reads is in it. */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const table = readme.split('\n').filter((line) => line.startsWith('| `'));

describe('settings', () => {
  it("every environment variable the server reads is in the README's settings table", () => {
    const keys = [ConfigSchema, ConsoleSchema, HealthSchema, RotationEnvSchema].flatMap((s) =>
      Object.keys(s.shape),
    );
    expect(keys.length).toBeGreaterThan(50);
    expect(keys.filter((k) => !table.some((line) => line.includes(`\`${k}\``)))).toEqual([]);
  });
});

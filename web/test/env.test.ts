import { describe, expect, it } from 'vitest';
import { parseEnv } from '../src/config/env.ts';

describe('parseEnv', () => {
  it('defaults the API to the same origin', () => {
    expect(parseEnv({}).apiBaseUrl).toBe('');
  });
  it('drops a trailing slash from the API base URL', () => {
    expect(parseEnv({ VITE_API_BASE_URL: 'https://connect.example/' }).apiBaseUrl).toBe(
      'https://connect.example',
    );
  });
});

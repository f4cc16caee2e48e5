// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { setupTokenHeaders } from '../src/features/wizard/api/setup-token-header.ts';
import { captureTokenFromFragment } from '../src/features/wizard/lib/setup-token.ts';

const TOKEN = 'q3Jk8vT2yLw9XcN4bR7mP1sZ6fH0dG5aE8uI2oK4jVw';
const OTHER = 'Zz9k8vT2yLw9XcN4bR7mP1sZ6fH0dG5aE8uI2oK4jVw';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

const open = (token: string) => {
  window.history.replaceState(null, '', `/setup/abc#token=${token}`);
  captureTokenFromFragment(window.location, window.history);
};
const traceOf = () => {
  const m = TRACEPARENT.exec(setupTokenHeaders().traceparent ?? '');
  expect(m).not.toBeNull();
  return { traceId: m![1], spanId: m![2] };
};

describe('the wizard run’s traceparent', () => {
  beforeEach(() => sessionStorage.clear());

  it('every wizard call sends one trace id per run, each with a new parent span id', () => {
    open(TOKEN);
    const a = traceOf();
    const b = traceOf();
    expect(b.traceId).toBe(a.traceId);
    expect(b.spanId).not.toBe(a.spanId);
    // A reload (or a sign-in redirect) of the same invite continues the run's trace.
    open(TOKEN);
    expect(traceOf().traceId).toBe(a.traceId);
  });

  it('another invite link opened in the tab starts a new trace', () => {
    open(TOKEN);
    const first = traceOf().traceId;
    open(OTHER);
    expect(traceOf().traceId).not.toBe(first);
  });
});

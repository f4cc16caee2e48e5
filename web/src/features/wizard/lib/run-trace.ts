/**
 * The wizard run's W3C trace context. One trace id per run, kept in this tab's session storage so a reload or a
 * sign-in redirect continues it, and a new invite link opened starts a new one. Every call the wizard makes to our
 * server sends it as `traceparent` (a fresh parent span id each time, sampled), so with tracing on, the server's
 * spans for the step events, the hand-off and the verification job all land in this one trace: support follows a
 * setup from the admin's click to the verification. It carries no data of the setup, only random ids.
 */
const KEY = 'kantiv-connect.run-trace-id';
const TRACE_ID = /^[0-9a-f]{32}$/;

const hex = (bytes: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');

/** The run's trace id (made on first use). */
export function runTraceId(): string {
  const kept = sessionStorage.getItem(KEY);
  if (kept && TRACE_ID.test(kept) && !/^0+$/.test(kept)) return kept;
  const traceId = hex(16);
  sessionStorage.setItem(KEY, traceId);
  return traceId;
}

/** `traceparent` for one call: version 00, the run's trace id, a new span id, sampled. */
export function runTraceparent(): string {
  return `00-${runTraceId()}-${hex(8)}-01`;
}

/** A new invite link opened in this tab is a new run. */
export function startNewRunTrace(): void {
  sessionStorage.removeItem(KEY);
}

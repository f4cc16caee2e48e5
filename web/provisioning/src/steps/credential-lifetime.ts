/** A credential Kantiv holds this close to expiry is replaced rather than kept. */
export const RENEW_BEFORE_MS = 30 * 24 * 3600_000;

/**
 * The policy's cap from the message when Microsoft states it (`P90D`, `90 days`), else the next shorter step.
 */
export function shorterLifetimeDays(message: string, currentDays: number): number | null {
  const iso = /P(\d+)D/i.exec(message);
  const words = /(\d+)\s*days?/i.exec(message);
  const stated = iso ? Number(iso[1]) : words ? Number(words[1]) : NaN;
  if (Number.isFinite(stated) && stated > 0 && stated < currentDays) return stated;
  const steps = [365, 180, 90, 60, 30, 14, 7, 1];
  return steps.find((s) => s < currentDays) ?? null;
}

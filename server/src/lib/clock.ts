/**
 * Time as the server's schedules see it. Production uses the system clock; tests pass one they move, so an hourly
 * schedule can be crossed without waiting an hour.
 */
export type Clock = { now: () => number };

export const systemClock: Clock = { now: () => Date.now() };

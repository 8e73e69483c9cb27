/** Clock is the store's source of time, injected so tests can move it by hand. */
export interface Clock {
  /** now returns the time in milliseconds. */
  now(): number;
}

/** systemClock is the wall clock (monotonic, so NTP steps do not expire leases). */
export const systemClock: Clock = { now: () => performance.now() };

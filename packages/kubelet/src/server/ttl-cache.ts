/**
 * TtlCache remembers answers for a while, as upstream's webhook authenticator and authorizer caches do.
 * It holds at most `maxEntries`; beyond that the oldest entry goes first. Expired entries are dropped
 * when read.
 */
import type { Clock } from '@nanokube/client';

/** A bounded map whose entries expire after the TTL given when each was set. */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly maxEntries = 4096,
  ) {}

  /** get returns the live value of key, or undefined. */
  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** set stores value for ttlMs (0 or less stores nothing). */
  set(key: string, value: V, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.clock.now() + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

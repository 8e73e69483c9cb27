/**
 * Backoff is upstream's flowcontrol.Backoff as the kubelet uses it for container restarts and image
 * pulls: per key, 10 s doubling up to 5 min; a key left alone for twice the maximum starts over.
 */

/** formatGoDuration renders milliseconds as Go's time.Duration String does for whole seconds (`1m20s`, `5m0s`). */
export function formatGoDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** Backoff tracks one exponential delay per key. */
export class Backoff {
  private readonly entries = new Map<string, { delayMs: number; lastUpdate: number }>();

  constructor(
    private readonly now: () => number,
    readonly initialMs = 10_000,
    readonly maxMs = 300_000,
  ) {}

  /** get returns the current delay of key (0 when it has none). */
  get(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** next starts or doubles key's delay and returns it. */
  next(key: string): number {
    const now = this.now();
    const e = this.entries.get(key);
    const delayMs = !e || now - e.lastUpdate > 2 * this.maxMs ? this.initialMs : Math.min(e.delayMs * 2, this.maxMs);
    this.entries.set(key, { delayMs, lastUpdate: now });
    return delayMs;
  }

  /** remainingSince returns how long key is still backing off after an event at `eventTime` (0 = not). */
  remainingSince(key: string, eventTime: number): number {
    const e = this.entries.get(key);
    if (!e || this.now() - e.lastUpdate > 2 * this.maxMs) return 0;
    return Math.max(0, eventTime + e.delayMs - this.now());
  }

  /** forgetPrefix drops every key starting with prefix (a pod that left the node). */
  forgetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

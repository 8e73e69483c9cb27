import { realClock, type Clock } from '../clock.js';
import { Queue } from './queue.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';

/**
 * RateLimitingQueue adds delayed and rate-limited adds to {@link Queue}: `addAfter` (delaying queue),
 * `addRateLimited` (backoff from the limiter), `forget` and `numRequeues`. A delayed add of an item that is
 * added again sooner collapses into the earlier time.
 */
export class RateLimitingQueue<T> extends Queue<T> {
  private readonly waiting = new Map<T, { at: number; cancel(): void }>();

  constructor(
    private readonly limiter: RateLimiter<T> = defaultControllerRateLimiter<T>(),
    private readonly clock: Clock = realClock,
  ) {
    super();
  }

  addAfter(item: T, ms: number): void {
    if (this.isShuttingDown()) return;
    if (ms <= 0) {
      this.add(item);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.waiting.get(item);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const timer = this.clock.setTimeout(() => {
      this.waiting.delete(item);
      this.add(item);
    }, ms);
    this.waiting.set(item, { at, cancel: () => timer.cancel() });
  }

  addRateLimited(item: T): void {
    this.addAfter(item, this.limiter.when(item));
  }

  forget(item: T): void {
    this.limiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.limiter.numRequeues(item);
  }

  override shutDown(): void {
    for (const w of this.waiting.values()) w.cancel();
    this.waiting.clear();
    super.shutDown();
  }
}

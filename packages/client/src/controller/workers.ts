import type { Logger } from '@nanokube/component-base';
import type { RateLimitingQueue } from '../workqueue/rate-limiting-queue.js';

/** Options of {@link runWorkers}. */
export interface RunWorkersOptions {
  queue: RateLimitingQueue<string>;
  /** Reconciles one key; throwing requeues it with backoff. */
  sync(key: string): Promise<void>;
  workers: number;
  log: Logger;
  signal: AbortSignal;
  /**
   * Requeues before an item is dropped. 15 gives client-go's series 5 ms, 10 ms, ... ~82 s before a
   * controller gives up on a key until its next event or resync.
   */
  maxRetries?: number;
}

/**
 * runWorkers is the controller worker loop every controller shares (upstream's processNextWorkItem +
 * handleErr): success forgets the key's failures; an error requeues it rate-limited until maxRetries, then
 * drops it with a warning. It resolves when signal aborts and the queue has been shut down.
 */
export async function runWorkers(opts: RunWorkersOptions): Promise<void> {
  const maxRetries = opts.maxRetries ?? 15;
  opts.signal.addEventListener('abort', () => opts.queue.shutDown(), { once: true });
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await opts.queue.get();
      if (key === undefined) return;
      try {
        await opts.sync(key);
        opts.queue.forget(key);
      } catch (err) {
        if (opts.queue.numRequeues(key) < maxRetries) {
          opts.log.debug({ err, key }, 'Error syncing, requeuing');
          opts.queue.addRateLimited(key);
        } else {
          opts.log.warn({ err, key }, 'Dropping key out of the queue after repeated errors');
          opts.queue.forget(key);
        }
      } finally {
        opts.queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.workers }, () => worker()));
}

import { metaNamespaceKey, RateLimitingQueue, type KubeObject } from '@nanokube/client';
import type { ConcurrentSyncs, Controller, ControllerContext } from './context.js';
import { runController, type Syncable } from './queue.js';

/**
 * QueueController is the skeleton every keyed controller shares (upstream's controller struct + Run): a
 * rate-limited work queue on the context's clock, a replaceable sync handler, and run(), which waits for
 * the informers' caches and runs `--concurrent-*-syncs` workers until the signal aborts.
 */
export abstract class QueueController implements Controller {
  /** Replaced in tests. */
  syncHandler: (key: string) => Promise<void> = (key) => this.sync(key);
  readonly queue: RateLimitingQueue<string>;

  /** `workers` names the ConcurrentSyncs entry that sizes the worker pool. */
  constructor(
    readonly ctx: ControllerContext,
    private readonly workers: keyof ConcurrentSyncs,
  ) {
    this.queue = new RateLimitingQueue<string>(undefined, ctx.clock);
  }

  /** enqueue adds an object's `namespace/name` key to the queue. */
  enqueue(obj: KubeObject): void {
    this.queue.add(metaNamespaceKey(obj));
  }

  /** sync reconciles one object by key. */
  abstract sync(key: string): Promise<void>;

  /** informersToSync lists the informers whose caches must be filled before workers start. */
  protected abstract informersToSync(): Syncable[];

  run(signal: AbortSignal): Promise<void> {
    return runController({
      log: this.ctx.log,
      informers: this.informersToSync(),
      queue: this.queue,
      sync: (key) => this.syncHandler(key),
      workers: this.ctx.options.concurrentSyncs[this.workers],
      signal,
    });
  }
}

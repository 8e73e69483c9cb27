import { DeletedFinalStateUnknown, runWorkers, type RateLimitingQueue } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';
import { instrumentControllerQueue } from './metrics.js';

/** deletedObject unwraps a delete handler's argument: the object, or the last state in a tombstone. */
export function deletedObject<T>(obj: T | DeletedFinalStateUnknown<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

/** Something whose cache must be filled before workers start (a SharedInformer). */
export interface Syncable {
  waitForSync(signal?: AbortSignal): Promise<void>;
}

/** Options of {@link runController}. */
export interface RunControllerOptions {
  log: Logger;
  informers: Syncable[];
  queue: RateLimitingQueue<string>;
  sync(key: string): Promise<void>;
  workers: number;
  signal: AbortSignal;
}

/**
 * runController is a controller's Run: wait for its informers' caches, then run the shared worker loop
 * until signal aborts (upstream WaitForNamedCacheSync + wait.Until(worker)).
 */
export async function runController(opts: RunControllerOptions): Promise<void> {
  // The manager's child logger names the controller; its queue's metrics carry that name.
  const name = typeof opts.log.bindings === 'function' ? (opts.log.bindings() as { controller?: unknown }).controller : undefined;
  if (typeof name === 'string') instrumentControllerQueue(name, opts.queue);
  opts.log.info('Starting controller');
  await Promise.all(opts.informers.map((i) => i.waitForSync(opts.signal)));
  if (opts.signal.aborted) {
    opts.queue.shutDown();
    return;
  }
  opts.log.info({ workers: opts.workers }, 'Caches are synced');
  await runWorkers({ queue: opts.queue, sync: opts.sync, workers: opts.workers, log: opts.log, signal: opts.signal });
  opts.log.info('Shutting down controller');
}

/**
 * The compactor trims the store's history as kube-apiserver does (`--etcd-compaction-interval`,
 * default 5 minutes): at every tick it compacts to the revision it saw at the previous tick, so
 * history always covers at least one interval (what watches and continue tokens rely on). With
 * several apiservers each compacts; compacting twice to the same revision is harmless.
 */
import type { Logger } from '@nanokube/component-base';
import type { Storage } from './storage.js';

/** startCompactor runs the loop until the returned stop function is called. */
export function startCompactor(storage: Storage, intervalMs: number, logger: Logger): () => void {
  let last = 0;
  const timer = setInterval(() => {
    void (async () => {
      try {
        const rev = await storage.currentRevision();
        if (last > 0 && last < rev) {
          await storage.compact(last);
          logger.debug({ revision: last }, 'Compacted the store');
        }
        last = rev;
      } catch (err) {
        logger.warn({ err }, 'Could not compact the store');
      }
    })();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

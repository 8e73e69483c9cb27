import type { Logger } from '@nanokube/component-base';
import type { StoreEngine } from './engine.js';

/** AutoCompaction is etcd's --auto-compaction-mode with its --auto-compaction-retention. */
export type AutoCompaction = { mode: 'periodic'; retentionMs: number } | { mode: 'revision'; retention: number };

/** revisionModeIntervalMs is how often revision mode compacts (etcd: every 5 minutes). */
const revisionModeIntervalMs = 5 * 60_000;

/**
 * parseAutoCompaction reads etcd's flags: periodic retention is a duration ("5m", "1h") or a bare
 * number of hours; revision retention is a number of revisions. Zero or empty disables compaction.
 */
export function parseAutoCompaction(
  mode: string | undefined,
  retention: string | undefined,
  parseDuration: (s: string) => number,
): AutoCompaction | undefined {
  if (retention === undefined || retention === '' || retention === '0') return undefined;
  if ((mode ?? 'periodic') === 'revision') {
    if (!/^\d+$/.test(retention)) {
      throw new Error(`--auto-compaction-retention must be a number of revisions, got "${retention}"`);
    }
    return { mode: 'revision', retention: Number(retention) };
  }
  if (mode !== undefined && mode !== 'periodic') throw new Error(`unknown --auto-compaction-mode "${mode}"`);
  const retentionMs = /^\d+(\.\d+)?$/.test(retention) ? Number(retention) * 3_600_000 : parseDuration(retention);
  return { mode: 'periodic', retentionMs };
}

/**
 * startAutoCompaction compacts engine's history in the background, as etcd's compactor does:
 * periodic mode keeps `retentionMs` of history (sampling the revision every tenth of it), revision
 * mode keeps the last `retention` revisions. Returns a stop function.
 */
export function startAutoCompaction(engine: StoreEngine, cfg: AutoCompaction, log: Logger): () => void {
  const compactTo = (rev: number): void => {
    if (rev <= engine.compactRevision || rev > engine.revision) return;
    engine.compact(rev).catch((err: unknown) => log.warn({ err, revision: rev }, 'Could not auto-compact history'));
  };
  let timer: NodeJS.Timeout;
  if (cfg.mode === 'revision') {
    timer = setInterval(() => compactTo(engine.revision - cfg.retention), revisionModeIntervalMs);
  } else {
    const every = Math.max(1000, Math.floor(cfg.retentionMs / 10));
    const samples: Array<{ at: number; rev: number }> = [];
    timer = setInterval(() => {
      const now = Date.now();
      samples.push({ at: now, rev: engine.revision });
      let target = 0;
      while (samples.length > 0 && samples[0]!.at <= now - cfg.retentionMs) target = samples.shift()!.rev;
      if (target > 0) compactTo(target);
    }, every);
  }
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * PodWorkers runs one worker per pod UID (upstream's podWorkers): syncs of one pod never overlap, updates
 * that arrive while a sync runs are coalesced into one more sync with the newest pod, and every pod is
 * synced again after its requested delay or the resync period even without events. Different pods sync
 * concurrently.
 */
import type { Clock } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';

/** What one sync of a pod asks of its worker next. */
export interface WorkResult {
  /** Sync again after this long (the resync period when absent). */
  requeueAfterMs?: number;
  /** The pod is gone for good: drop its worker. */
  forget?: boolean;
}

interface Worker<T> {
  item: T;
  running: boolean;
  dirty: boolean;
  failures: number;
  timer?: { cancel(): void };
}

/** Options of {@link PodWorkers}. */
export interface PodWorkersOptions<T> {
  sync(uid: string, item: T): Promise<WorkResult>;
  log: Logger;
  clock: Clock;
  /** Periodic resync of every pod (upstream's 1 min syncFrequency; shorter here for status freshness). */
  resyncMs: number;
}

/** PodWorkers serialises work per key (the pod UID). */
export class PodWorkers<T> {
  private readonly workers = new Map<string, Worker<T>>();
  private stopped = false;

  constructor(private readonly opts: PodWorkersOptions<T>) {}

  /** update records the newest state of a pod and makes sure a sync follows. */
  update(uid: string, item: T): void {
    if (this.stopped) return;
    let w = this.workers.get(uid);
    if (!w) {
      w = { item, running: false, dirty: true, failures: 0 };
      this.workers.set(uid, w);
    }
    w.item = item;
    w.dirty = true;
    w.timer?.cancel();
    delete w.timer;
    if (!w.running) void this.loop(uid, w);
  }

  /** has says whether a worker exists for uid. */
  has(uid: string): boolean {
    return this.workers.has(uid);
  }

  /** item returns the newest item known for uid. */
  item(uid: string): T | undefined {
    return this.workers.get(uid)?.item;
  }

  /** keys lists the pods with a worker. */
  keys(): string[] {
    return [...this.workers.keys()];
  }

  /** poke re-syncs a pod now with its last known state (runtime events). */
  poke(uid: string): void {
    const w = this.workers.get(uid);
    if (w) this.update(uid, w.item);
  }

  /** stop cancels timers and refuses new work; running syncs finish. */
  stop(): void {
    this.stopped = true;
    for (const w of this.workers.values()) w.timer?.cancel();
  }

  /** idle resolves once no sync is running (tests and shutdown). */
  async idle(): Promise<void> {
    while ([...this.workers.values()].some((w) => w.running)) await new Promise((r) => setTimeout(r, 5));
  }

  private async loop(uid: string, w: Worker<T>): Promise<void> {
    w.running = true;
    let result: WorkResult = {};
    while (w.dirty && !this.stopped) {
      w.dirty = false;
      try {
        result = await this.opts.sync(uid, w.item);
        w.failures = 0;
      } catch (err) {
        w.failures++;
        // 1 s, 2 s, 4 s ... 30 s between retries of a failing pod.
        const retryMs = Math.min(1000 * 2 ** (w.failures - 1), 30_000);
        this.opts.log.warn({ err, podUid: uid, retryMs }, 'Error syncing pod, retrying');
        result = { requeueAfterMs: retryMs };
      }
      if (result.forget) {
        if (!w.dirty) {
          this.workers.delete(uid);
          w.running = false;
          return;
        }
      }
    }
    w.running = false;
    if (this.stopped) return;
    const delay = result.requeueAfterMs ?? this.opts.resyncMs;
    w.timer = this.opts.clock.setTimeout(() => this.update(uid, w.item), Math.max(0, delay));
  }
}

/**
 * CacheWatcher is one client watch on a WatchCache: it filters the cache's events with the
 * watch's selectors (an object that stops matching is delivered as DELETED, one that starts matching
 * as ADDED, as upstream's cacheWatcher does), queues them and hands them out as an async iterable.
 * It ends on abort, on timeout (after a last BOOKMARK when bookmarks were asked for), when the cache
 * terminates it, or when the client falls too far behind (the client then re-watches).
 */
import type { KubeObject, WatchEvent } from '../types.js';
import type { CacheEvent, CacheEventSink } from './watch-cache.js';

/** Options of a CacheWatcher. */
export interface CacheWatcherOptions {
  /** Whether an object passes the watch's namespace, label and field filters. */
  filter: (obj: KubeObject) => boolean;
  /** Builds a BOOKMARK object at the cache's current revision; undefined = no bookmarks. */
  bookmark?: () => KubeObject;
  bookmarkIntervalMs?: number;
  timeoutMs?: number;
  signal: AbortSignal;
  /** Queue length beyond which the watcher is ended as too slow. */
  maxQueue?: number;
}

const defaultBookmarkIntervalMs = 60_000;
const defaultMaxQueue = 20_000;

export class CacheWatcher implements CacheEventSink, AsyncIterable<WatchEvent> {
  private queue: WatchEvent[] = [];
  private head = 0;
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly onAbort = (): void => this.close();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly opts: CacheWatcherOptions) {
    if (opts.signal.aborted) this.closed = true;
    opts.signal.addEventListener('abort', this.onAbort, { once: true });
    if (opts.bookmark) {
      const t = setInterval(() => this.pushBookmark(), opts.bookmarkIntervalMs ?? defaultBookmarkIntervalMs);
      t.unref();
      this.timers.push(t);
    }
    if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
      const t = setTimeout(() => {
        this.pushBookmark();
        this.close();
      }, opts.timeoutMs);
      t.unref();
      this.timers.push(t);
    }
  }

  /** start queues the initial events and subscribes to live ones (the caller does both in one tick). */
  start(initial: WatchEvent[], subscribe: (sink: CacheEventSink) => () => void): void {
    if (this.closed) return;
    for (const ev of initial) this.queue.push(ev);
    this.unsubscribe = subscribe(this);
    this.notify();
  }

  /** replay translates ring events (from a resourceVersion) as live ones would be. */
  translate(ev: CacheEvent): WatchEvent | undefined {
    const { filter } = this.opts;
    const cur = ev.type !== 'DELETED' && filter(ev.object);
    const prev = ev.prevObject !== undefined && filter(ev.prevObject);
    if (ev.type === 'DELETED') return prev ? { type: 'DELETED', object: ev.object } : undefined;
    if (cur && prev) return { type: 'MODIFIED', object: ev.object };
    if (cur) return { type: 'ADDED', object: ev.object };
    if (prev) return { type: 'DELETED', object: ev.object };
    return undefined;
  }

  dispatch(ev: CacheEvent): void {
    if (this.closed) return;
    const out = this.translate(ev);
    if (!out) return;
    this.queue.push(out);
    if (this.queue.length - this.head > (this.opts.maxQueue ?? defaultMaxQueue)) {
      this.close();
      return;
    }
    this.notify();
  }

  terminate(): void {
    this.close();
  }

  /** fail ends the watch with an ERROR event carrying a Status. */
  fail(status: KubeObject): void {
    this.queue.push({ type: 'ERROR', object: status });
    this.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    try {
      for (;;) {
        if (this.head < this.queue.length) {
          const ev = this.queue[this.head] as WatchEvent;
          this.queue[this.head++] = undefined as unknown as WatchEvent;
          if (this.head > 1024 && this.head * 2 > this.queue.length) {
            this.queue = this.queue.slice(this.head);
            this.head = 0;
          }
          yield ev;
          continue;
        }
        if (this.closed) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.close();
    }
  }

  private pushBookmark(): void {
    if (this.closed || !this.opts.bookmark) return;
    this.queue.push({ type: 'BOOKMARK', object: this.opts.bookmark() });
    this.notify();
  }

  private close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.length = 0;
    this.opts.signal.removeEventListener('abort', this.onAbort);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

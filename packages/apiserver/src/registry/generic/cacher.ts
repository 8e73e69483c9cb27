/**
 * Cacher keeps every resource's WatchCache in step with the store through ONE store watch on the
 * whole registry prefix (`/registry/`). Because every apiserver write lands under that prefix, the
 * watch sees every store revision, which gives all caches one shared, exact "caught up to revision
 * R" — what a consistent list needs (upstream asks etcd for progress notifications for the same
 * purpose; we request them too, for writes made outside the prefix).
 *
 * Start: list the prefix page by page at one revision, load the caches, then watch from the next
 * revision. On a broken watch: reconnect from the next revision; if that was compacted, re-list and
 * end every client watch (clients re-watch and get 410 if they are too far behind).
 */
import type { Logger } from '@nanokube/component-base';
import type { KubeObject } from '../types.js';
import { isCompactedError, type Storage, type StorageEvent, type StorageWatch } from './storage.js';
import { decodeStored, WatchCache } from './watch-cache.js';

const listPageSize = 1000;

/** Options of a Cacher. */
export interface CacherOptions {
  storage: Storage;
  /** The registry prefix with a trailing slash (`/registry/`). */
  prefix: string;
  /** Resource prefixes (`/registry/pods/`) to keep caches for. */
  resourcePrefixes: string[];
  logger: Logger;
  ringCapacity?: number;
}

export class Cacher {
  private readonly caches = new Map<string, WatchCache>();
  private rev = 0;
  private waiters: { rev: number; resolve: () => void }[] = [];
  private watch: StorageWatch | undefined;
  private closed = false;
  private startedResolve!: () => void;
  /** Resolves once the initial list is loaded. */
  readonly started = new Promise<void>((r) => (this.startedResolve = r));
  private isStarted = false;
  /** Consecutive watch failures, for the reconnect backoff (reset by any delivered event). */
  private failures = 0;

  constructor(private readonly opts: CacherOptions) {
    for (const p of opts.resourcePrefixes) {
      this.caches.set(p, new WatchCache(p, { revision: () => this.rev }, opts.ringCapacity));
    }
  }

  /** revision is the store revision every cache reflects. */
  get revision(): number {
    return this.rev;
  }

  get ready(): boolean {
    return this.isStarted;
  }

  /** cacheFor returns the cache of a resource prefix. */
  cacheFor(resourcePrefix: string): WatchCache {
    const c = this.caches.get(resourcePrefix);
    if (!c) throw new Error(`no watch cache for ${resourcePrefix}`);
    return c;
  }

  /** start loads the caches and starts the store watch, retrying until the store answers or close. */
  async start(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.load();
        this.isStarted = true;
        this.startedResolve();
        return;
      } catch (err) {
        this.opts.logger.warn({ err, attempt }, 'Could not load the watch cache from the store');
        await sleep(Math.min(100 * 2 ** attempt, 2000));
      }
    }
  }

  /**
   * waitForRevision resolves true once the caches reflect `rev`, asking the store for progress
   * notifications while it waits; false after timeoutMs.
   */
  async waitForRevision(rev: number, timeoutMs: number): Promise<boolean> {
    if (this.rev >= rev) return true;
    const reached = new Promise<void>((resolve) => this.waiters.push({ rev, resolve }));
    const deadline = Date.now() + timeoutMs;
    let delay = 25;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return this.rev >= rev;
      const done = await Promise.race([reached.then(() => true), sleep(Math.min(delay, left)).then(() => false)]);
      if (done || this.rev >= rev) return true;
      this.watch?.requestProgress();
      delay = Math.min(delay * 2, 500);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watch?.close();
    for (const c of this.caches.values()) c.terminateAll();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  private async load(): Promise<void> {
    const { storage, prefix } = this.opts;
    const items = new Map<string, { key: string; object: KubeObject }[]>();
    let revision = 0;
    let startKey: string | undefined;
    for (;;) {
      const page = await storage.list(prefix, { revision, limit: listPageSize, ...(startKey ? { startKey } : {}) });
      revision = page.revision;
      for (const kv of page.kvs) {
        const cache = this.route(kv.key);
        if (!cache) continue;
        const list = items.get(cache.prefix) ?? [];
        list.push({ key: kv.key, object: decodeStored(kv.value, kv.modRevision) });
        items.set(cache.prefix, list);
      }
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || !last) break;
      startKey = `${last.key}\0`;
    }
    for (const cache of this.caches.values()) cache.replace(items.get(cache.prefix) ?? [], revision);
    this.advance(revision);
    this.startWatch(revision + 1);
  }

  private startWatch(fromRevision: number): void {
    if (this.closed) return;
    this.watch = this.opts.storage.watch(this.opts.prefix, fromRevision, {
      onEvents: (events) => this.onEvents(events),
      onProgress: (rev) => this.advance(rev),
      onError: (err, compacted) => void this.onWatchError(err, compacted),
    });
  }

  private onEvents(events: StorageEvent[]): void {
    this.failures = 0;
    let max = this.rev;
    // Every event is applied, even one at or below a revision a progress notification already
    // reported: the watch itself never repeats events (it starts right after the loaded revision).
    for (const ev of events) {
      const cache = this.route(ev.key);
      if (cache) {
        try {
          if (ev.type === 'put' && ev.value) cache.processPut(ev.key, decodeStored(ev.value, ev.modRevision), ev.modRevision);
          else if (ev.type === 'delete') cache.processDelete(ev.key, ev.modRevision);
        } catch (err) {
          this.opts.logger.error({ err, key: ev.key }, 'Could not decode a stored object');
        }
      }
      if (ev.modRevision > max) max = ev.modRevision;
    }
    this.advance(max);
  }

  private async onWatchError(err: unknown, compacted: boolean): Promise<void> {
    if (this.closed) return;
    this.watch?.close();
    this.watch = undefined;
    this.failures++;
    this.opts.logger.warn({ err, revision: this.rev, compacted, failures: this.failures }, 'Store watch broke, restarting it');
    await sleep(Math.min(100 * 2 ** (this.failures - 1), 5000));
    if (this.closed) return;
    if (!compacted && !isCompactedError(err)) {
      this.startWatch(this.rev + 1);
      return;
    }
    for (const c of this.caches.values()) c.terminateAll();
    this.isStarted = false;
    await this.start();
  }

  private advance(rev: number): void {
    if (rev <= this.rev) return;
    this.rev = rev;
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) (w.rev <= rev ? w.resolve() : still.push(w));
    this.waiters = still;
  }

  /** route finds the cache of a key: `/registry/<seg>/...` or `/registry/<group>/<seg>/...`. */
  private route(key: string): WatchCache | undefined {
    const rest = key.slice(this.opts.prefix.length);
    const i = rest.indexOf('/');
    if (i < 0) return undefined;
    const one = this.caches.get(key.slice(0, this.opts.prefix.length + i + 1));
    if (one) return one;
    const j = rest.indexOf('/', i + 1);
    return j < 0 ? undefined : this.caches.get(key.slice(0, this.opts.prefix.length + j + 1));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

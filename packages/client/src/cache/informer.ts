import { isResourceExpired } from '@nanokube/api';
import type { Logger } from '@nanokube/component-base';
import { realClock, sleep, type Clock } from '../clock.js';
import type { ResourceClient } from '../rest/resource-client.js';
import type { KubeObject, ListOptions } from '../rest/types.js';
import { Indexer, metaNamespaceKey, type IndexFunc } from './store.js';

/**
 * DeletedFinalStateUnknown is what onDelete receives for an object whose deletion was noticed only by a
 * re-list: the last state the cache knew, possibly stale (client-go's tombstone).
 */
export class DeletedFinalStateUnknown<T> {
  constructor(
    readonly key: string,
    readonly obj: T,
  ) {}
}

/** Event handlers of an informer. They must only enqueue work: they run on the informer's loop. */
export interface EventHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

/** Options of a {@link SharedInformer}. */
export interface InformerOptions<T extends KubeObject> {
  client: ResourceClient<T>;
  log: Logger;
  /** Restricts the list and watch (e.g. `spec.nodeName=node1` for a kubelet). */
  labelSelector?: string;
  fieldSelector?: string;
  /** Resync period: every handler gets onUpdate(obj, obj) for every object this often. 0 = never. */
  resyncMs?: number;
  indexers?: Record<string, IndexFunc<T>>;
  clock?: Clock;
}

/**
 * SharedInformer is client-go's reflector + indexer + handler fan-out for one resource: it lists, then
 * watches from the list's resourceVersion, re-lists on 410 Gone, asks for bookmarks so a reconnect rarely
 * needs a re-list, and reconnects with backoff on errors. One informer per resource is shared by every
 * controller of a process.
 */
export class SharedInformer<T extends KubeObject> {
  readonly store: Indexer<T>;
  private readonly handlers: EventHandlers<T>[] = [];
  private synced = false;
  private resourceVersion = '';
  private readonly clock: Clock;
  private readonly syncWaiters: (() => void)[] = [];

  constructor(private readonly opts: InformerOptions<T>) {
    this.store = new Indexer<T>(opts.indexers);
    this.clock = opts.clock ?? realClock;
  }

  /** addEventHandler registers handlers; objects already cached are replayed as adds. */
  addEventHandler(h: EventHandlers<T>): void {
    this.handlers.push(h);
    if (this.synced) for (const obj of this.store.list()) h.onAdd?.(obj);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** waitForSync resolves once the first list has been stored (or signal aborts). */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => {
      this.syncWaiters.push(resolve);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** lastSyncResourceVersion is the resourceVersion the cache reflects. */
  lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  /** run lists and watches until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const log = this.opts.log.child({ resource: this.opts.client.gvr.resource });
    let backoffMs = 200;
    let needList = true;
    const resync = this.startResync(signal);
    try {
      while (!signal.aborted) {
        try {
          if (needList) {
            await this.listAndReplace();
            needList = false;
          }
          await this.watchOnce(signal);
          backoffMs = 200;
        } catch (err) {
          if (signal.aborted) break;
          if (isResourceExpired(err)) {
            log.debug({ resourceVersion: this.resourceVersion }, 'Watch expired, re-listing');
            needList = true;
            continue;
          }
          log.warn({ err, backoffMs }, 'List or watch failed, retrying');
          needList = true;
          await sleep(backoffMs, signal, this.clock);
          backoffMs = Math.min(backoffMs * 2, 30_000);
        }
      }
    } finally {
      resync?.cancel();
    }
  }

  private baseOptions(): ListOptions {
    return {
      ...(this.opts.labelSelector ? { labelSelector: this.opts.labelSelector } : {}),
      ...(this.opts.fieldSelector ? { fieldSelector: this.opts.fieldSelector } : {}),
    };
  }

  private async listAndReplace(): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.opts.client.list({ ...this.baseOptions(), limit: 500, ...(cont ? { continue: cont } : {}) });
      items.push(...page.items);
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion ?? rv;
    } while (cont);
    this.replace(items);
    this.resourceVersion = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** replace swaps the cache for a fresh list, emitting adds, updates and tombstoned deletes. */
  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(metaNamespaceKey(obj));
      this.apply('upsert', obj);
    }
    for (const key of this.store.listKeys()) {
      if (seen.has(key)) continue;
      const old = this.store.delete(key) as T;
      for (const h of this.handlers) h.onDelete?.(new DeletedFinalStateUnknown(key, old));
    }
  }

  private async watchOnce(signal: AbortSignal): Promise<void> {
    // A random 5-10 min timeout spreads reconnects, as client-go's reflector does.
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    const events = this.opts.client.watch(
      { ...this.baseOptions(), resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
      signal,
    );
    for await (const ev of events) {
      const rv = ev.object.metadata?.resourceVersion;
      if (ev.type === 'BOOKMARK') {
        if (rv) this.resourceVersion = rv;
        continue;
      }
      this.apply(ev.type === 'DELETED' ? 'delete' : 'upsert', ev.object);
      if (rv) this.resourceVersion = rv;
    }
  }

  private apply(kind: 'upsert' | 'delete', obj: T): void {
    Object.freeze(obj);
    if (kind === 'delete') {
      const old = this.store.delete(metaNamespaceKey(obj));
      if (old) for (const h of this.handlers) h.onDelete?.(obj);
      return;
    }
    const old = this.store.set(obj);
    if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    for (const h of this.handlers) {
      if (old) h.onUpdate?.(old, obj);
      else h.onAdd?.(obj);
    }
  }

  private startResync(signal: AbortSignal): { cancel(): void } | undefined {
    const every = this.opts.resyncMs ?? 0;
    if (every <= 0) return undefined;
    let timer: { cancel(): void } | undefined;
    const tick = (): void => {
      if (signal.aborted) return;
      if (this.synced) for (const obj of this.store.list()) for (const h of this.handlers) h.onUpdate?.(obj, obj);
      timer = this.clock.setTimeout(tick, every);
    };
    timer = this.clock.setTimeout(tick, every);
    return { cancel: () => timer?.cancel() };
  }
}

/**
 * WatchCache holds one resource's current objects and a ring of its recent events, as upstream's
 * cacher/watchCache does. The Cacher feeds it from the single store watch; lists and watches of the
 * resource are then served from memory. Objects are frozen and shared by every reader.
 *
 * Guarantees:
 * - `revision` (the Cacher's) is the newest store revision whose effects are all applied here.
 * - A watch from resourceVersion N can be served iff N >= oldestRevision(): the ring then holds every
 *   event of this resource after N.
 */
import type { KubeObject } from '../types.js';
import type { Trigger } from './filters.js';
import { deepFreeze, withResourceVersion } from './objects.js';

/** One change of the resource, as kept in the ring. */
export interface CacheEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  /** New state; for DELETED the last state carrying the deletion's resourceVersion. */
  object: KubeObject;
  /** Previous state (MODIFIED, DELETED). */
  prevObject?: KubeObject;
  revision: number;
}

/** A subscriber to a WatchCache's live events. */
export interface CacheEventSink {
  dispatch(ev: CacheEvent): void;
  /** Ends the watch (cache re-initialised or registry closing). */
  terminate(): void;
}

/** decodeStored parses a stored value into a frozen object carrying its resourceVersion. */
export function decodeStored(value: Buffer | string, modRevision: number): KubeObject {
  const obj = JSON.parse(typeof value === 'string' ? value : value.toString('utf8')) as KubeObject;
  obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: String(modRevision) };
  return deepFreeze(obj);
}

export class WatchCache {
  private readonly objects = new Map<string, KubeObject>();
  private sortedKeys: string[] | undefined;
  private ring: (CacheEvent | undefined)[];
  private ringHead = 0;
  private ringSize = 0;
  private oldest = 0;
  /** Sinks that see every event. */
  private readonly sinks = new Set<CacheEventSink>();
  /** Sinks indexed by a pinned field value (see Trigger), by field. */
  private readonly triggered = new Map<string, { valueOf: Trigger['valueOf']; byValue: Map<string, Set<CacheEventSink>> }>();

  constructor(
    readonly prefix: string,
    private readonly clock: { revision(): number },
    private readonly capacity = 8192,
  ) {
    this.ring = new Array<CacheEvent | undefined>(capacity);
  }

  /** revision is the store revision the cache reflects. */
  get revision(): number {
    return this.clock.revision();
  }

  /** oldestRevision is the smallest resourceVersion a watch may start from. */
  oldestRevision(): number {
    return this.oldest;
  }

  /** size is the number of current objects. */
  get size(): number {
    return this.objects.size;
  }

  /** replace loads a full listing taken at `revision`, dropping history (initial list or re-list). */
  replace(items: { key: string; object: KubeObject }[], revision: number): void {
    this.objects.clear();
    for (const { key, object } of items) this.objects.set(key, object);
    this.sortedKeys = undefined;
    this.ring = new Array<CacheEvent | undefined>(this.capacity);
    this.ringHead = 0;
    this.ringSize = 0;
    this.oldest = revision;
  }

  /** processPut applies a stored put (already decoded) and fans it out. */
  processPut(key: string, object: KubeObject, revision: number): void {
    const prev = this.objects.get(key);
    if (!prev) this.sortedKeys = undefined;
    this.objects.set(key, object);
    this.emit({ type: prev ? 'MODIFIED' : 'ADDED', key, object, ...(prev ? { prevObject: prev } : {}), revision });
  }

  /** processDelete applies a stored delete and fans it out. */
  processDelete(key: string, revision: number): void {
    const prev = this.objects.get(key);
    if (!prev) return;
    this.objects.delete(key);
    this.sortedKeys = undefined;
    const object = withResourceVersion(prev, String(revision));
    this.emit({ type: 'DELETED', key, object, prevObject: prev, revision });
  }

  /** get returns the current object at key. */
  get(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  /** keys returns the current keys in key order, starting at the first key >= `from`. */
  keysFrom(from = ''): string[] {
    if (!this.sortedKeys) this.sortedKeys = [...this.objects.keys()].sort(compareKeys);
    if (!from) return this.sortedKeys;
    let lo = 0;
    let hi = this.sortedKeys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.sortedKeys[mid] as string, from) < 0) lo = mid + 1;
      else hi = mid;
    }
    return this.sortedKeys.slice(lo);
  }

  /** eventsAfter returns the ring's events with revision > rv, or undefined when rv is too old. */
  eventsAfter(rv: number): CacheEvent[] | undefined {
    if (rv < this.oldest) return undefined;
    const out: CacheEvent[] = [];
    for (let i = 0; i < this.ringSize; i++) {
      const ev = this.ring[(this.ringHead + i) % this.capacity] as CacheEvent;
      if (ev.revision > rv) out.push(ev);
    }
    return out;
  }

  /** addSink subscribes to live events; returns the unsubscribe function. */
  addSink(sink: CacheEventSink, trigger?: Trigger): () => void {
    if (!trigger) {
      this.sinks.add(sink);
      return () => this.sinks.delete(sink);
    }
    let index = this.triggered.get(trigger.field);
    if (!index) this.triggered.set(trigger.field, (index = { valueOf: trigger.valueOf, byValue: new Map() }));
    const { byValue } = index;
    let set = byValue.get(trigger.value);
    if (!set) byValue.set(trigger.value, (set = new Set()));
    set.add(sink);
    return () => {
      set.delete(sink);
      if (set.size === 0 && byValue.get(trigger.value) === set) byValue.delete(trigger.value);
    };
  }

  /** terminateAll ends every watch of this cache. */
  terminateAll(): void {
    for (const s of this.allSinks()) s.terminate();
    this.sinks.clear();
    this.triggered.clear();
  }

  /** watcherCount is the number of live watchers (for tests and metrics). */
  get watcherCount(): number {
    return this.allSinks().length;
  }

  private allSinks(): CacheEventSink[] {
    const out = [...this.sinks];
    for (const { byValue } of this.triggered.values()) for (const set of byValue.values()) out.push(...set);
    return out;
  }

  private emit(ev: CacheEvent): void {
    if (this.ringSize === this.capacity) {
      const evicted = this.ring[this.ringHead] as CacheEvent;
      this.oldest = evicted.revision;
      this.ringHead = (this.ringHead + 1) % this.capacity;
      this.ringSize--;
    }
    this.ring[(this.ringHead + this.ringSize) % this.capacity] = ev;
    this.ringSize++;
    for (const s of this.sinks) s.dispatch(ev);
    for (const { valueOf, byValue } of this.triggered.values()) {
      const value = valueOf(ev.object);
      byValue.get(value)?.forEach((s) => s.dispatch(ev));
      const prev = ev.prevObject && valueOf(ev.prevObject);
      if (prev !== undefined && prev !== value) byValue.get(prev)?.forEach((s) => s.dispatch(ev));
    }
  }
}

/** compareKeys orders keys bytewise, as the store does (keys here are ASCII). */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

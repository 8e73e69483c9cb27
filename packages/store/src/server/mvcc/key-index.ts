import { SortedKeys } from './sorted-keys.js';
import { isTombstone, type ByteString, type KeyRange, type KeyValue } from './types.js';

/**
 * KeyIndex holds every retained revision of every key: a sorted array of keys for ranges and, per key,
 * its history in revision order (etcd's treeIndex + keyIndex, with the values kept in memory).
 * A key stays in the index while any revision of it is retained, so reads at past revisions work.
 */
export class KeyIndex {
  private readonly sorted = new SortedKeys();
  private readonly histories = new Map<ByteString, KeyValue[]>();

  /** size is the number of keys with retained history. */
  get size(): number {
    return this.sorted.size;
  }

  /** at returns the key's last change at or before rev (maybe a tombstone), or undefined. */
  at(key: ByteString, rev: number): KeyValue | undefined {
    const h = this.histories.get(key);
    if (h === undefined) return undefined;
    for (let i = h.length - 1; i >= 0; i--) {
      const kv = h[i]!;
      if (kv.modRevision <= rev) return kv;
    }
    return undefined;
  }

  /** liveAt returns the key's value at rev, or undefined when it did not exist then. */
  liveAt(key: ByteString, rev: number): KeyValue | undefined {
    const kv = this.at(key, rev);
    return kv === undefined || isTombstone(kv) ? undefined : kv;
  }

  /** append records a new change; its revision must not be lower than the key's latest. */
  append(kv: KeyValue): void {
    const h = this.histories.get(kv.key);
    if (h !== undefined) {
      h.push(kv);
      return;
    }
    this.histories.set(kv.key, [kv]);
    this.sorted.insert(kv.key);
  }

  /** forEachLive calls fn, in key order, for every key of r alive at rev. */
  forEachLive(r: KeyRange, rev: number, fn: (kv: KeyValue) => void): void {
    if (r.end === undefined) {
      const kv = this.liveAt(r.key, rev);
      if (kv !== undefined) fn(kv);
      return;
    }
    const end = r.end;
    if (end !== '' && end <= r.key) return;
    this.sorted.forEachFrom(r.key, (k) => {
      if (end !== '' && k >= end) return false;
      const kv = this.liveAt(k, rev);
      if (kv !== undefined) fn(kv);
      return true;
    });
  }

  /**
   * compact drops every change that no read at or after rev can see: for each key, everything before
   * its last change at or before rev, and that change too when it is a tombstone. Returns the dropped
   * changes so the backend can delete them.
   */
  compact(rev: number): KeyValue[] {
    const dropped: KeyValue[] = [];
    const emptied = new Set<ByteString>();
    for (const [key, h] of this.histories) {
      let last = -1;
      for (let i = 0; i < h.length && h[i]!.modRevision <= rev; i++) last = i;
      if (last < 0) continue;
      const keepFrom = isTombstone(h[last]!) ? last + 1 : last;
      if (keepFrom === 0) continue;
      dropped.push(...h.splice(0, keepFrom));
      if (h.length === 0) emptied.add(key);
    }
    if (emptied.size > 0) {
      for (const key of emptied) this.histories.delete(key);
      this.sorted.removeAll(emptied);
    }
    return dropped;
  }
}

import type { ByteString } from './types.js';

const maxChunk = 1024;

/**
 * SortedKeys is an ordered set of keys kept as a list of sorted chunks (each at most 1024 keys), so
 * inserting into a large keyspace moves one chunk, not the whole array, and ranges walk chunks in
 * order. Lookups are two binary searches.
 */
export class SortedKeys {
  private chunks: ByteString[][] = [];
  private count = 0;

  /** size is the number of keys. */
  get size(): number {
    return this.count;
  }

  /** insert adds key, which must not be present. */
  insert(key: ByteString): void {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.count = 1;
      return;
    }
    const ci = this.chunkFor(key);
    const chunk = this.chunks[ci]!;
    chunk.splice(lowerBound(chunk, key), 0, key);
    this.count++;
    if (chunk.length > maxChunk) this.chunks.splice(ci + 1, 0, chunk.splice(chunk.length >>> 1));
  }

  /** removeAll deletes every key in doomed (a whole-structure rebuild; used by compaction). */
  removeAll(doomed: Set<ByteString>): void {
    const rebuilt: ByteString[][] = [];
    let cur: ByteString[] = [];
    for (const chunk of this.chunks) {
      for (const k of chunk) {
        if (doomed.has(k)) continue;
        cur.push(k);
        if (cur.length === maxChunk >>> 1) {
          rebuilt.push(cur);
          cur = [];
        }
      }
    }
    if (cur.length > 0) rebuilt.push(cur);
    this.chunks = rebuilt;
    this.count = rebuilt.reduce((n, c) => n + c.length, 0);
  }

  /** forEachFrom calls fn for each key >= from in order until fn returns false. */
  forEachFrom(from: ByteString, fn: (key: ByteString) => boolean): void {
    if (this.chunks.length === 0) return;
    let ci = this.chunkFor(from);
    let i = lowerBound(this.chunks[ci]!, from);
    for (; ci < this.chunks.length; ci++, i = 0) {
      const chunk = this.chunks[ci]!;
      for (; i < chunk.length; i++) if (!fn(chunk[i]!)) return;
    }
  }

  /** chunkFor is the index of the last chunk whose first key is <= key (0 if none). */
  private chunkFor(key: ByteString): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.chunks[mid]![0]! <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

function lowerBound(arr: ByteString[], key: ByteString): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

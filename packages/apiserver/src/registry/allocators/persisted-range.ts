/**
 * PersistedRange keeps an allocation bitmap in one store key (upstream's RangeAllocation objects at
 * `/registry/ranges/serviceips` and `/registry/ranges/servicenodeports`) and changes it with
 * compare-and-swap, so several apiservers can allocate from the same range. The `data` field is our
 * own encoding (raw-deflated bitmap, base64), not upstream's big-integer bytes.
 */
import type { Storage } from '../generic/storage.js';
import { Bitmap } from './bitmap.js';

const maxAttempts = 64;

/** The stored form of a range allocation. */
interface RangeAllocation {
  kind: 'RangeAllocation';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  range: string;
  data: string;
}

export class PersistedRange {
  constructor(
    private readonly storage: Storage,
    readonly key: string,
    readonly range: string,
    readonly size: number,
  ) {}

  /**
   * update runs fn on the current bitmap and stores the result if fn changed it (and !dryRun),
   * retrying fn on a lost compare-and-swap. fn may throw to abort without writing.
   */
  async update<T>(fn: (bm: Bitmap) => T, dryRun = false): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const { kv } = await this.storage.get(this.key);
      const stored = kv ? (JSON.parse(kv.value.toString('utf8')) as RangeAllocation) : undefined;
      const bm = stored && stored.range === this.range ? Bitmap.decode(this.size, stored.data) : new Bitmap(this.size);
      const before = bm.encode();
      const result = fn(bm);
      const data = bm.encode();
      if (dryRun || data === before) return result;
      const value = JSON.stringify({ kind: 'RangeAllocation', apiVersion: 'v1', metadata: {}, range: this.range, data } satisfies RangeAllocation);
      const res = kv ? await this.storage.update(this.key, value, kv.modRevision) : await this.storage.create(this.key, value);
      if (res.succeeded) return result;
      if (attempt >= maxAttempts) throw new Error(`could not update range allocation ${this.key}: too many concurrent changes`);
      // Contended: back off a little (with jitter) so concurrent allocators do not keep colliding.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(attempt, 10)));
    }
  }

  /** snapshot reads the current bitmap. */
  async snapshot(): Promise<Bitmap> {
    return this.update((bm) => bm, true);
  }
}

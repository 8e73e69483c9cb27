import type { KubeObject } from '@nanokube/client';

/**
 * SliceTracker remembers, per Service, the EndpointSlices this controller created, updated or deleted
 * until the informer cache reflects those writes (upstream endpointSliceTracker). A sync on a cache that
 * has not seen a slice we just created would create it a second time.
 */
export class SliceTracker {
  /** service key -> slice name -> resourceVersion written, or null once deleted. */
  private readonly writes = new Map<string, Map<string, string | null>>();

  /** wrote records a created or updated slice as returned by the apiserver. */
  wrote(serviceKey: string, slice: KubeObject): void {
    this.entry(serviceKey).set(slice.metadata?.name ?? '', slice.metadata?.resourceVersion ?? '');
  }

  /** deleted records a deleted slice. */
  deleted(serviceKey: string, name: string): void {
    this.entry(serviceKey).set(name, null);
  }

  /** sliceGone forgets what we wrote to a slice whose deletion the informer reported: it is gone either way. */
  sliceGone(serviceKey: string, name: string): void {
    this.writes.get(serviceKey)?.delete(name);
  }

  /** forget drops everything about a Service (it was deleted). */
  forget(serviceKey: string): void {
    this.writes.delete(serviceKey);
  }

  /**
   * observed reports whether the cached slices include every recorded write, and forgets the writes
   * that are now visible.
   */
  observed(serviceKey: string, cached: KubeObject[]): boolean {
    const pending = this.writes.get(serviceKey);
    if (!pending) return true;
    const byName = new Map(cached.map((s) => [s.metadata?.name ?? '', s]));
    for (const [name, rv] of pending) {
      const seen = byName.get(name);
      const visible = rv === null ? !seen : !!seen && isAtLeast(seen.metadata?.resourceVersion ?? '', rv);
      if (visible) pending.delete(name);
    }
    if (pending.size === 0) this.writes.delete(serviceKey);
    return pending.size === 0;
  }

  private entry(serviceKey: string): Map<string, string | null> {
    let m = this.writes.get(serviceKey);
    if (!m) this.writes.set(serviceKey, (m = new Map()));
    return m;
  }
}

/** resourceVersions are decimal store revisions here; anything else only compares equal. */
function isAtLeast(seen: string, wrote: string): boolean {
  if (/^\d+$/.test(seen) && /^\d+$/.test(wrote)) return BigInt(seen) >= BigInt(wrote);
  return seen === wrote;
}

import { realClock, type Clock } from '@nanokube/client';

/** Expectations older than this are treated as satisfied, so a lost watch event cannot wedge a controller. */
export const expectationsTimeoutMs = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  /** Keys of the objects whose deletion we wait to observe. */
  deleting: Set<string>;
  setAt: number;
}

/**
 * ControllerExpectations records the creates and deletes a controller issued for one owner (by owner key)
 * until its informer has observed them (client-go's UIDTrackingControllerExpectations). A sync that finds
 * its expectations unsatisfied must not create or delete more: the cache is behind its own writes, and
 * acting on it would over-create under a slow watch. Deletions are tracked by the deleted object's key, so
 * a delete event that is seen twice (update with deletionTimestamp, then the delete) is counted once.
 */
export class ControllerExpectations {
  private readonly store = new Map<string, Expectation>();

  constructor(private readonly clock: Clock = realClock) {}

  /** satisfiedExpectations reports whether the owner may be reconciled: all observed, expired, or none set. */
  satisfiedExpectations(ownerKey: string): boolean {
    const e = this.store.get(ownerKey);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock.now() - e.setAt > expectationsTimeoutMs;
  }

  /** expectCreations replaces the owner's expectations with `count` pending creates. */
  expectCreations(ownerKey: string, count: number): void {
    this.store.set(ownerKey, { add: count, del: 0, deleting: new Set(), setAt: this.clock.now() });
  }

  /** expectDeletions replaces the owner's expectations with the deletion of the given object keys. */
  expectDeletions(ownerKey: string, objectKeys: string[]): void {
    this.store.set(ownerKey, { add: 0, del: objectKeys.length, deleting: new Set(objectKeys), setAt: this.clock.now() });
  }

  /** creationObserved lowers the pending creates by one (an add event, or a create that failed). */
  creationObserved(ownerKey: string): void {
    const e = this.store.get(ownerKey);
    if (e) e.add--;
  }

  /** deletionObserved lowers the pending deletes if objectKey was one of them (idempotent per key). */
  deletionObserved(ownerKey: string, objectKey: string): void {
    const e = this.store.get(ownerKey);
    if (e?.deleting.delete(objectKey)) e.del--;
  }

  /** lowerExpectations forgets creates/deletes that will never be observed (their requests failed). */
  lowerExpectations(ownerKey: string, add: number, del: number): void {
    const e = this.store.get(ownerKey);
    if (!e) return;
    e.add -= add;
    e.del -= del;
  }

  /** deleteExpectations drops the owner's record (the owner is gone). */
  deleteExpectations(ownerKey: string): void {
    this.store.delete(ownerKey);
  }

  /** pending returns the outstanding counts, for logs and tests. */
  pending(ownerKey: string): { add: number; del: number } | undefined {
    const e = this.store.get(ownerKey);
    return e ? { add: e.add, del: e.del } : undefined;
  }
}

/**
 * Storage is the narrow, revision-oriented view of the store the generic registry needs (modelled
 * on kine's backend): every operation reports the store revision it observed or produced, writes are
 * compare-and-swap on a key's mod revision. `etcd-storage.ts` implements it over the etcd v3 client
 * of `@nanokube/store`, which talks to nanokube's store and to a real etcd alike.
 *
 * Revisions are JavaScript numbers (exact below 2^53).
 */

/** One stored key. */
export interface StoredKV {
  key: string;
  value: Buffer;
  modRevision: number;
  createRevision: number;
}

/** The outcome of a conditional write: on failure `current` is the key's present state, if any. */
export interface WriteOutcome {
  succeeded: boolean;
  /** The store revision after the operation (the new mod revision on success). */
  revision: number;
  current?: StoredKV;
}

/** One change seen by a watch. */
export interface StorageEvent {
  type: 'put' | 'delete';
  key: string;
  /** The new value (put) — absent for delete. */
  value?: Buffer;
  modRevision: number;
}

/** Callbacks of a storage watch; calls arrive in revision order. */
export interface StorageWatchHandlers {
  /** A batch of events, all at revisions <= `revision`. */
  onEvents(events: StorageEvent[], revision: number): void;
  /** A progress notification: the watch has delivered everything up to `revision`. */
  onProgress(revision: number): void;
  /** The watch ended with an error (`compacted` true when the start revision was compacted). */
  onError(err: unknown, compacted: boolean): void;
}

/** A running storage watch. */
export interface StorageWatch {
  /** Asks the store for a progress notification (answered through onProgress). */
  requestProgress(): void;
  close(): void;
}

/** Storage is the store as the registry sees it. */
export interface Storage {
  /** The store's current revision (a cheap read). */
  currentRevision(): Promise<number>;
  get(key: string): Promise<{ kv?: StoredKV; revision: number }>;
  /**
   * list returns keys under prefix in key order, starting at `startKey` (inclusive, default the
   * prefix), at most `limit` (0 = all), read at `revision` (0 = latest). Throws a compacted error
   * (see isCompactedError) for a compacted revision.
   */
  list(
    prefix: string,
    opts?: { revision?: number; limit?: number; startKey?: string },
  ): Promise<{ kvs: StoredKV[]; revision: number; more: boolean }>;
  /** create writes key only if it does not exist. */
  create(key: string, value: string): Promise<WriteOutcome>;
  /** update writes key only if its mod revision is still `modRevision` (0 = unconditionally, if present). */
  update(key: string, value: string, modRevision: number): Promise<WriteOutcome>;
  /** delete removes key only if its mod revision is still `modRevision` (0 = unconditionally). */
  delete(key: string, modRevision: number): Promise<WriteOutcome>;
  /** watch streams changes under prefix from `fromRevision` (inclusive). */
  watch(prefix: string, fromRevision: number, handlers: StorageWatchHandlers): StorageWatch;
  /** compact discards history before revision. */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

/** isCompactedError is true for a read or watch at a compacted revision. */
export function isCompactedError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { compacted?: unknown }).compacted === true;
}

/** compactedError builds the error Storage implementations throw for a compacted revision. */
export function compactedError(message: string): Error & { compacted: true } {
  return Object.assign(new Error(message), { compacted: true as const });
}

import { errCompacted, errFutureRevision } from '../errors.js';
import { KeyIndex } from './key-index.js';
import { rangeKeys } from './range.js';
import {
  keyRangeFromWire,
  type ByteString,
  type KeyRange,
  type KeyValue,
  type MvccEvent,
  type RangeRequest,
  type RangeResult,
} from './types.js';

const empty = Buffer.alloc(0);

/**
 * MvccStore is the in-memory multi-version keyspace: one global revision, the retained history of
 * every key, and the event log that watchers catch up from.
 *
 * Two revisions matter: `currentRev` is the last revision applied by the writer, `visibleRev` the
 * last one made durable and published. Readers outside the writer read at `visibleRev`, so changes of
 * a batch that is still being synced are invisible to them (history is append-only, so no overlay is
 * needed). An empty store is at revision 1, as etcd's.
 */
export class MvccStore {
  readonly index = new KeyIndex();
  /** Events at or after compactRev, in (revision, sub) order. */
  private readonly log: MvccEvent[] = [];
  currentRev = 1;
  visibleRev = 1;
  compactRev = 0;

  /** readRevision resolves a requested revision (0 = visible) and rejects compacted or future ones. */
  readRevision(requested: number | undefined, latest = this.visibleRev): number {
    const rev = requested === undefined || requested <= 0 ? latest : requested;
    if (rev > latest) throw errFutureRevision();
    if (rev < this.compactRev) throw errCompacted();
    return rev;
  }

  /** range answers a RangeRequest against the visible state (or `latest` inside the writer). */
  range(req: RangeRequest, latest = this.visibleRev): RangeResult {
    const rev = this.readRevision(req.revision, latest);
    const res = rangeKeys(this.index, req, rev);
    // Like etcd, the header carries the current revision even for a read at a past one.
    res.revision = latest;
    return res;
  }

  /** liveKeys returns the keys of r alive at rev, in key order. */
  liveKeys(r: KeyRange, rev: number): KeyValue[] {
    const out: KeyValue[] = [];
    this.index.forEachLive(r, rev, (kv) => out.push(kv));
    return out;
  }

  /** beginWrite starts the writer's next write txn; all its changes share one revision. */
  beginWrite(): WriteTxn {
    return new WriteTxn(this, this.currentRev + 1);
  }

  /** record appends a change made by a write txn (or replayed by recovery) to index and log. */
  record(ev: MvccEvent): void {
    this.index.append(ev.kv);
    if (ev.kv.modRevision >= this.compactRev) this.log.push(ev);
    if (ev.kv.modRevision > this.currentRev) this.currentRev = ev.kv.modRevision;
  }

  /**
   * eventsFrom calls fn for every logged event with fromRev <= revision <= toRev, in order; fn returns
   * false to stop. fromRev must not be below compactRev.
   */
  eventsFrom(fromRev: number, toRev: number, fn: (ev: MvccEvent) => boolean): void {
    for (let i = this.firstEventAtOrAfter(fromRev); i < this.log.length; i++) {
      const ev = this.log[i]!;
      if (ev.kv.modRevision > toRev || !fn(ev)) return;
    }
  }

  /**
   * compact forgets history below rev: reads and watches from before it fail from now on. Returns
   * the changes dropped from the index so the backend can delete them.
   */
  compact(rev: number): KeyValue[] {
    this.compactRev = rev;
    const n = this.firstEventAtOrAfter(rev);
    if (n > 0) this.log.splice(0, n);
    return this.index.compact(rev);
  }

  private firstEventAtOrAfter(rev: number): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log[mid]!.kv.modRevision < rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** WriteTxn applies changes at one new revision; reads through it see its own earlier changes. */
export class WriteTxn {
  private sub = 0;
  readonly events: MvccEvent[] = [];

  constructor(
    private readonly store: MvccStore,
    /** The revision this txn's changes get. */
    readonly rev: number,
  ) {}

  /** get returns the key's live value including this txn's changes. */
  get(key: ByteString): KeyValue | undefined {
    return this.store.index.liveAt(key, this.rev);
  }

  /** range runs a range request against the state including this txn's changes. */
  range(req: RangeRequest): RangeResult {
    return this.store.range(req, this.rev);
  }

  /** put writes key and returns its previous live value. */
  put(key: ByteString, value: Buffer, lease: bigint): KeyValue | undefined {
    const prev = this.get(key);
    const kv: KeyValue = {
      key,
      createRevision: prev ? prev.createRevision : this.rev,
      modRevision: this.rev,
      version: prev ? prev.version + 1 : 1,
      value,
      lease,
      sub: this.sub++,
    };
    this.add({ kv, prevKv: prev });
    return prev;
  }

  /** deleteRange deletes every live key of the wire range and returns their previous values. */
  deleteRange(key: ByteString, rangeEnd: ByteString | undefined): KeyValue[] {
    const doomed = this.store.liveKeys(keyRangeFromWire(key, rangeEnd), this.rev);
    for (const prev of doomed) this.deleteKey(prev);
    return doomed;
  }

  /** deleteKey writes a tombstone for a key whose live value is prev. */
  deleteKey(prev: KeyValue): void {
    const kv: KeyValue = {
      key: prev.key,
      createRevision: 0,
      modRevision: this.rev,
      version: 0,
      value: empty,
      lease: 0n,
      sub: this.sub++,
    };
    this.add({ kv, prevKv: prev });
  }

  /** changed reports whether this txn wrote anything (and so consumes its revision). */
  get changed(): boolean {
    return this.events.length > 0;
  }

  /** revision is the revision to report: the new one if the txn wrote, else the current one. */
  get revision(): number {
    return this.changed ? this.rev : this.store.currentRev;
  }

  private add(ev: MvccEvent): void {
    this.events.push(ev);
    this.store.record(ev);
  }
}

import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import type { Logger } from '@nanokube/component-base';
import { Backend, dbPath } from './backend/backend.js';
import {
  decodeRecord,
  encodeRecord,
  isLeaseKey,
  isRecordKey,
  leaseIdOf,
  leaseKey,
  metaClusterKey,
  metaCompactKey,
  metaMemberKey,
  metaRevKey,
  readU64,
  recordKey,
  u64,
  type BatchOp,
} from './backend/schema.js';
import { systemClock, type Clock } from './clock.js';
import { errCompacted, errEmptyKey, errFutureRevision, errLeaseNotFound, errStopped } from './errors.js';
import { GroupCommitter } from './group-commit.js';
import { Lessor } from './lease/lessor.js';
import { MvccStore, type WriteTxn } from './mvcc/mvcc-store.js';
import {
  applyDeleteRange,
  applyPut,
  checkPut,
  checkPutRequest,
  checkTxnRequest,
  executeTxn,
  isTxnReadOnly,
  type TxnEnv,
} from './mvcc/txn.js';
import { isTombstone } from './mvcc/types.js';
import type {
  DeleteRangeRequest,
  DeleteRangeResult,
  MvccEvent,
  PutRequest,
  PutResult,
  RangeRequest,
  RangeResult,
  TxnRequest,
  TxnResult,
} from './mvcc/types.js';
import type { WatchOutput } from './watch/types.js';
import { WatchHub } from './watch/watch-hub.js';
import type { WatchStream } from './watch/watch-stream.js';

/** Options of {@link StoreEngine.open}. */
export interface StoreEngineOptions {
  dataDir: string;
  logger?: Logger | undefined;
  clock?: Clock | undefined;
  /** Maximum ops per txn branch (etcd's --max-txn-ops). */
  maxTxnOps?: number | undefined;
  /** How often expired leases are revoked; 0 disables the timer (tests call expireLeases). */
  leaseCheckIntervalMs?: number | undefined;
  /** Interval of progress notifications (etcd: 10 minutes); 0 disables them. */
  progressNotifyIntervalMs?: number | undefined;
}

/** Batch is one group-commit round: LevelDB ops plus the events to publish once durable. */
interface Batch {
  ops: BatchOp[];
  events: MvccEvent[];
  revBumped: boolean;
}

/** LeaseGrantResult is the body of a LeaseGrantResponse. */
export interface LeaseGrantResult {
  revision: number;
  id: bigint;
  ttl: number;
}

/** LeaseTimeToLiveResult is the body of a LeaseTimeToLiveResponse; ttl -1 means not found. */
export interface LeaseTimeToLiveResult {
  revision: number;
  id: bigint;
  ttl: number;
  grantedTtl: number;
  keys: Buffer[] | undefined;
}

/**
 * StoreEngine is nanokube's etcd: an MVCC keyspace kept in memory and made durable in LevelDB, with
 * one group-committing writer, leases and watches. It speaks no protocol; the HTTP layer translates
 * etcd's JSON gateway to these calls.
 *
 * Guarantees: a write resolves only after its LevelDB batch is synced; revisions are consecutive and
 * never reused, also across kill -9; readers and watchers only ever see durable revisions; watch
 * events are delivered once each, in revision order.
 */
export class StoreEngine {
  readonly store = new MvccStore();
  readonly hub: WatchHub;
  readonly lessor: Lessor;
  private readonly committer: GroupCommitter<Batch>;
  private readonly env: TxnEnv;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly maxTxnOps: number;
  private readonly log: Logger | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly backend: Backend,
    private readonly opts: StoreEngineOptions,
    /** cluster_id of this data dir. */
    readonly clusterId: bigint,
    /** member_id of this data dir. */
    readonly memberId: bigint,
  ) {
    this.log = opts.logger;
    this.maxTxnOps = opts.maxTxnOps ?? 128;
    this.hub = new WatchHub(this.store);
    this.lessor = new Lessor(opts.clock ?? systemClock, memberId);
    this.env = { store: this.store, leaseExists: (id) => this.lessor.get(id) !== undefined };
    this.committer = new GroupCommitter<Batch>({
      newBatch: () => ({ ops: [], events: [], revBumped: false }),
      persist: (b) => this.persist(b),
      publish: (b) => this.publish(b),
    });
  }

  /** open opens (or creates) the store in opts.dataDir and replays it into memory. */
  static async open(opts: StoreEngineOptions): Promise<StoreEngine> {
    const backend = await Backend.open(opts.dataDir);
    try {
      const clusterId = await loadOrCreateId(backend, metaClusterKey);
      const memberId = await loadOrCreateId(backend, metaMemberKey);
      const engine = new StoreEngine(backend, opts, clusterId, memberId);
      await engine.recover();
      engine.startTimers();
      return engine;
    } catch (err) {
      await backend.close();
      throw err;
    }
  }

  /** revision is the current (durable, visible) revision. */
  get revision(): number {
    return this.store.visibleRev;
  }

  /** compactRevision is the revision history was last compacted at (0: never). */
  get compactRevision(): number {
    return this.store.compactRev;
  }

  /** stats reports group-commit counters: persisted batches and the requests they carried. */
  get stats(): { batches: number; jobs: number } {
    return { batches: this.committer.batches, jobs: this.committer.jobs };
  }

  /** range reads the durable state (or a past revision). */
  range(req: RangeRequest): RangeResult {
    if (!req.key) throw errEmptyKey();
    return this.store.range(req);
  }

  /** put writes one key. */
  put(req: PutRequest): Promise<PutResult> {
    try {
      checkPutRequest(req);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write((w) => {
      checkPut(this.env, req, this.store.currentRev);
      return applyPut(w, req);
    });
  }

  /** deleteRange deletes a key or range; the revision only moves if something was deleted. */
  deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResult> {
    if (!req.key) return Promise.reject(errEmptyKey());
    return this.write((w) => applyDeleteRange(w, req));
  }

  /** txn runs a transaction; a read-only one is answered at once from the durable state. */
  async txn(req: TxnRequest): Promise<TxnResult> {
    checkTxnRequest(req, this.maxTxnOps);
    if (isTxnReadOnly(req)) return executeTxn(this.env, req, undefined);
    return this.write((w) => executeTxn(this.env, req, w));
  }

  /** compact discards history before rev; reads and watches below it fail afterwards. */
  compact(rev: number): Promise<{ revision: number }> {
    return this.committer.submit((b) => {
      if (rev <= this.store.compactRev) throw errCompacted();
      if (rev > this.store.currentRev) throw errFutureRevision();
      for (const kv of this.store.compact(rev)) b.ops.push({ type: 'del', key: recordKey(kv.modRevision, kv.sub) });
      b.ops.push({ type: 'put', key: metaCompactKey, value: u64(rev) });
      this.log?.info({ revision: rev }, 'Compacted history');
      return { revision: this.store.currentRev };
    });
  }

  /** leaseGrant creates a lease (id 0n: the store picks one); the TTL is clamped as etcd does. */
  leaseGrant(ttl: number, id = 0n): Promise<LeaseGrantResult> {
    let granted: number;
    try {
      granted = Lessor.normalizeTTL(ttl);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.committer.submit((b) => {
      const lease = this.lessor.grant(id === 0n ? this.lessor.nextId() : id, granted);
      b.ops.push({ type: 'put', key: leaseKey(lease.id), value: u64(granted) });
      return { revision: this.store.currentRev, id: lease.id, ttl: granted };
    });
  }

  /** leaseRevoke deletes a lease and, in one revision, every key attached to it. */
  leaseRevoke(id: bigint): Promise<{ revision: number }> {
    return this.committer.submit((b) => {
      const lease = this.lessor.mustGet(id);
      const w = this.store.beginWrite();
      for (const key of [...lease.keys].sort()) {
        const prev = w.get(key);
        if (prev !== undefined) w.deleteKey(prev);
      }
      this.finishWrite(w, b);
      this.lessor.remove(id);
      b.ops.push({ type: 'del', key: leaseKey(id) });
      return { revision: w.revision };
    });
  }

  /** leaseKeepAlive renews a lease; ttl is 0 when the lease is unknown or expired (as etcd answers). */
  leaseKeepAlive(id: bigint): { revision: number; id: bigint; ttl: number } {
    let ttl = 0;
    try {
      ttl = this.lessor.renew(id);
    } catch {
      ttl = 0;
    }
    return { revision: this.revision, id, ttl };
  }

  /** leaseTimeToLive reports a lease's remaining and granted TTL, and optionally its keys. */
  leaseTimeToLive(id: bigint, withKeys: boolean): LeaseTimeToLiveResult {
    const l = this.lessor.get(id);
    if (l === undefined) return { revision: this.revision, id, ttl: -1, grantedTtl: 0, keys: undefined };
    const keys = withKeys ? [...l.keys].sort().map((k) => Buffer.from(k, 'latin1')) : undefined;
    return { revision: this.revision, id, ttl: this.lessor.remaining(l), grantedTtl: l.ttl, keys };
  }

  /** leaseLeases lists every lease ID. */
  leaseLeases(): { revision: number; ids: bigint[] } {
    return { revision: this.revision, ids: this.lessor.list().map((l) => l.id) };
  }

  /** expireLeases queues a revoke for every lease whose TTL has run out. */
  expireLeases(): void {
    for (const l of this.lessor.takeExpired()) {
      this.leaseRevoke(l.id).then(
        () => this.log?.debug({ lease: l.id.toString() }, 'Revoked expired lease'),
        (err: unknown) => {
          if (!(err instanceof Error && err.message === errLeaseNotFound().message)) {
            this.log?.warn({ lease: l.id.toString(), err }, 'Could not revoke expired lease');
          }
        },
      );
    }
  }

  /** openWatchStream starts a client watch stream writing its responses to out. */
  openWatchStream(out: WatchOutput): WatchStream {
    return this.hub.openStream(out);
  }

  /** onCommit registers the observer of each group-commit round (persist seconds, requests carried). */
  onCommit(fn: (seconds: number, jobs: number) => void): void {
    this.committer.onPersisted = fn;
  }

  /** dbSize is the size in bytes of the LevelDB files. */
  async dbSize(): Promise<number> {
    const dir = dbPath(this.opts.dataDir);
    let total = 0;
    for (const name of await readdir(dir)) total += (await stat(`${dir}/${name}`).catch(() => ({ size: 0 }))).size;
    return total;
  }

  /** entries iterates the raw LevelDB contents over one consistent view (for snapshots). */
  entries(): AsyncIterable<[Buffer, Buffer]> {
    return this.backend.entries();
  }

  /** close stops accepting writes, answers the queued ones, closes watches and the db. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const t of this.timers) clearInterval(t);
      await this.committer.stop();
      this.hub.closeAll();
      await this.backend.close();
    })();
    return this.closing;
  }

  private write<T>(apply: (w: WriteTxn) => T): Promise<T> {
    if (this.closing) return Promise.reject(errStopped());
    return this.committer.submit((b) => {
      const w = this.store.beginWrite();
      try {
        return apply(w);
      } finally {
        this.finishWrite(w, b);
      }
    });
  }

  /** finishWrite moves a write txn's changes into the batch and onto the lease attachments. */
  private finishWrite(w: WriteTxn, b: Batch): void {
    if (!w.changed) return;
    for (const ev of w.events) {
      b.ops.push({ type: 'put', key: recordKey(ev.kv.modRevision, ev.kv.sub), value: encodeRecord(ev.kv) });
      this.trackLease(ev);
      b.events.push(ev);
    }
    b.revBumped = true;
  }

  private trackLease(ev: MvccEvent): void {
    if (ev.prevKv !== undefined) this.lessor.detach(ev.prevKv.lease, ev.kv.key);
    if (!isTombstone(ev.kv)) this.lessor.attach(ev.kv.lease, ev.kv.key);
  }

  private async persist(b: Batch): Promise<void> {
    if (b.revBumped) b.ops.push({ type: 'put', key: metaRevKey, value: u64(this.store.currentRev) });
    if (b.ops.length === 0) return;
    try {
      await this.backend.write(b.ops);
    } catch (err) {
      this.log?.error({ err }, 'Could not persist a batch; the store stops accepting writes');
      throw err;
    }
  }

  private publish(b: Batch): void {
    this.store.visibleRev = this.store.currentRev;
    this.hub.publish(b.events, this.store.visibleRev);
  }

  private async recover(): Promise<void> {
    let metaRev = 0;
    let records = 0;
    for await (const [k, v] of this.backend.entries()) {
      if (isRecordKey(k)) {
        const kv = decodeRecord(k, v);
        const ev: MvccEvent = { kv, prevKv: this.store.index.liveAt(kv.key, kv.modRevision) };
        this.store.record(ev);
        this.trackLease(ev);
        records++;
      } else if (isLeaseKey(k)) {
        this.lessor.grant(leaseIdOf(k), readU64(v));
      } else if (k.equals(metaRevKey)) {
        metaRev = readU64(v);
      } else if (k.equals(metaCompactKey)) {
        this.store.compactRev = readU64(v);
      }
    }
    this.store.currentRev = Math.max(this.store.currentRev, metaRev);
    this.store.visibleRev = this.store.currentRev;
    this.log?.info(
      { revision: this.store.currentRev, compactRevision: this.store.compactRev, records, keys: this.store.index.size },
      'Recovered store',
    );
  }

  private startTimers(): void {
    const leaseEvery = this.opts.leaseCheckIntervalMs ?? 500;
    if (leaseEvery > 0) this.timers.push(setInterval(() => this.expireLeases(), leaseEvery));
    const progressEvery = this.opts.progressNotifyIntervalMs ?? 600_000;
    if (progressEvery > 0) this.timers.push(setInterval(() => this.hub.progressTick(), progressEvery));
    for (const t of this.timers) t.unref();
  }
}

async function loadOrCreateId(backend: Backend, key: Buffer): Promise<bigint> {
  const v = await backend.get(key);
  if (v !== undefined) return BigInt(v.toString('ascii'));
  const id = randomBytes(8).readBigUInt64BE() & ((1n << 63n) - 1n);
  await backend.write([{ type: 'put', key, value: Buffer.from(id.toString(), 'ascii') }]);
  return id;
}

/**
 * EtcdClient speaks the etcd v3 JSON gateway (etcd 3.4's /v3/* endpoints), against a real etcd or
 * nanokube's store. See types.ts for the conventions (Buffers out, numbers for revisions, strings
 * for lease IDs) and errors.ts for failures.
 */
import { Readable } from 'node:stream';
import {
  decodeDeleteRange,
  decodeHeader,
  decodePut,
  decodeRange,
  decodeTxn,
  encodeDeleteRange,
  encodePut,
  encodeRange,
  encodeTxn,
  id,
  num,
  wireArray,
  wireBytes,
  wireObject,
} from './codec.js';
import { EtcdError, GrpcCode, errLeaseNotFound, errorFromBody } from './errors.js';
import { Transport, jsonLines } from './transport.js';
import type {
  Bytes,
  CasResult,
  CompactResponse,
  DeleteOptions,
  DeleteRangeResponse,
  KeyValue,
  LeaseGrantResponse,
  LeaseId,
  LeaseKeepAliveResponse,
  LeaseTimeToLiveResponse,
  PutOptions,
  PutResponse,
  RangeOptions,
  RangeResponse,
  StatusResponse,
  TxnRequest,
  TxnResponse,
  WatchOptions,
} from './types.js';
import { WatchStream, type Watcher, type WatchStreamOptions } from './watch.js';

/** EtcdClientOptions configure an EtcdClient. */
export interface EtcdClientOptions {
  /** Base URL of the store, e.g. "http://127.0.0.1:2379". */
  endpoint: string;
  /** Keep-alive connections for unary calls (default 16). */
  connections?: number;
  /** Timeout for one unary call, in ms (default 30 s). */
  timeoutMs?: number;
}

/** EtcdClient is a typed etcd v3 client over the JSON gateway; one per process is enough. */
export class EtcdClient {
  readonly endpoint: string;
  private readonly transport: Transport;
  private readonly streams = new Set<WatchStream>();

  constructor(opts: EtcdClientOptions | string) {
    const o = typeof opts === 'string' ? { endpoint: opts } : opts;
    this.endpoint = o.endpoint;
    this.transport = new Transport(o.endpoint, o);
  }

  /** range reads the keys selected by key and opts. */
  async range(key: Bytes, opts: RangeOptions = {}): Promise<RangeResponse> {
    return decodeRange(await this.transport.call('/v3/kv/range', encodeRange(key, opts)));
  }

  /** get reads one key; undefined if it does not exist (at opts.revision, if given). */
  async get(key: Bytes, opts: { revision?: number; serializable?: boolean } = {}): Promise<KeyValue | undefined> {
    return (await this.range(key, opts)).kvs[0];
  }

  /** put writes one key; the header's revision is the write's revision. */
  async put(key: Bytes, value: Bytes, opts: PutOptions = {}): Promise<PutResponse> {
    return decodePut(await this.transport.call('/v3/kv/put', encodePut(key, value, opts)));
  }

  /** deleteRange deletes the selected keys. */
  async deleteRange(key: Bytes, opts: DeleteOptions = {}): Promise<DeleteRangeResponse> {
    return decodeDeleteRange(await this.transport.call('/v3/kv/deleterange', encodeDeleteRange(key, opts)));
  }

  /** txn runs a transaction: `success` if all compares hold, else `failure`, atomically. */
  async txn(req: TxnRequest): Promise<TxnResponse> {
    return decodeTxn(await this.transport.call('/v3/kv/txn', encodeTxn(req)));
  }

  /**
   * create writes key only if it does not exist (create_revision == 0). On failure `current` is
   * the existing key.
   */
  async create(key: Bytes, value: Bytes, opts: { lease?: LeaseId } = {}): Promise<CasResult> {
    return this.cas(
      { compare: [{ key, target: 'CREATE', result: 'EQUAL', createRevision: 0 }], success: [{ put: { key, value, ...opts } }] },
      key,
    );
  }

  /**
   * updateIfModRevision writes key only if its mod_revision is still modRevision (compare-and-swap
   * on resourceVersion). On failure `current` is the key now (undefined if it was deleted).
   */
  async updateIfModRevision(key: Bytes, value: Bytes, modRevision: number, opts: { lease?: LeaseId } = {}): Promise<CasResult> {
    return this.cas(
      { compare: [{ key, target: 'MOD', result: 'EQUAL', modRevision }], success: [{ put: { key, value, ...opts } }] },
      key,
    );
  }

  /**
   * deleteIfModRevision deletes key only if its mod_revision is still modRevision. On success
   * `revision` is the deletion's revision; on failure `current` is the key now (if any).
   */
  async deleteIfModRevision(key: Bytes, modRevision: number): Promise<CasResult> {
    return this.cas({ compare: [{ key, target: 'MOD', result: 'EQUAL', modRevision }], success: [{ deleteRange: { key } }] }, key);
  }

  private async cas(req: TxnRequest, key: Bytes): Promise<CasResult> {
    const resp = await this.txn({ ...req, failure: [{ range: { key } }] });
    const result: CasResult = { succeeded: resp.succeeded, revision: resp.header.revision };
    const first = resp.responses[0];
    if (!resp.succeeded && first && 'range' in first && first.range.kvs[0]) result.current = first.range.kvs[0];
    return result;
  }

  /** compact discards history before revision; physical waits until the space is reclaimed. */
  async compact(revision: number, physical = false): Promise<CompactResponse> {
    const body = physical ? { revision: String(revision), physical: true } : { revision: String(revision) };
    return { header: decodeHeader((await this.transport.call('/v3/kv/compaction', body)).header) };
  }

  /**
   * watchStream opens a stream that can carry several watchers (`stream.watch(opts)`). Close it
   * with `stream.close()` (or client.close()).
   */
  watchStream(opts: WatchStreamOptions = {}): WatchStream {
    const stream = new WatchStream(this.transport, opts);
    this.streams.add(stream);
    return stream;
  }

  /** watch opens a stream with one watcher; the stream closes when the watcher ends. */
  async watch(opts: WatchOptions, streamOpts: WatchStreamOptions = {}): Promise<Watcher> {
    const stream = this.watchStream(streamOpts);
    try {
      const w = await stream.watch(opts);
      const closeStream = () => {
        stream.close();
        this.streams.delete(stream);
      };
      // The watcher may already have failed (e.g. compacted start revision) before we got it.
      if (w.done) closeStream();
      else w.onEnd = closeStream;
      return w;
    } catch (err) {
      stream.close();
      this.streams.delete(stream);
      throw err;
    }
  }

  /** leaseGrant creates a lease of ttl seconds; id "0" (default) lets the server choose it. */
  async leaseGrant(ttl: number, leaseId: LeaseId = '0'): Promise<LeaseGrantResponse> {
    const o = await this.transport.call('/v3/lease/grant', leaseId === '0' ? { TTL: String(ttl) } : { TTL: String(ttl), ID: leaseId });
    if (typeof o.error === 'string' && o.error !== '') throw new EtcdError(GrpcCode.FailedPrecondition, o.error);
    return { header: decodeHeader(o.header), id: id(o.ID), ttl: num(o.TTL) };
  }

  /** leaseRevoke deletes a lease and every key attached to it (isLeaseNotFound if unknown). */
  async leaseRevoke(leaseId: LeaseId): Promise<{ header: ReturnType<typeof decodeHeader> }> {
    return { header: decodeHeader((await this.transport.call('/v3/lease/revoke', { ID: leaseId })).header) };
  }

  /** leaseKeepAliveOnce renews a lease once (isLeaseNotFound if it does not exist any more). */
  async leaseKeepAliveOnce(leaseId: LeaseId): Promise<LeaseKeepAliveResponse> {
    const body = await this.transport.postStream('/v3/lease/keepalive', JSON.stringify({ ID: leaseId }));
    for await (const msg of jsonLines(body)) {
      if (msg.error !== undefined) throw errorFromBody(200, JSON.stringify(msg));
      const r = wireObject(msg.result);
      const ttl = num(r.TTL);
      // etcd answers an unknown lease with TTL 0; clientv3 reports that as lease-not-found.
      if (ttl <= 0) throw new EtcdError(GrpcCode.NotFound, errLeaseNotFound);
      return { header: decodeHeader(r.header), id: id(r.ID), ttl };
    }
    throw new EtcdError(GrpcCode.Unavailable, 'etcd unavailable: keepalive stream ended without an answer');
  }

  /** leaseTimeToLive reports a lease's remaining TTL (-1 if unknown) and, with keys, its keys. */
  async leaseTimeToLive(leaseId: LeaseId, opts: { keys?: boolean } = {}): Promise<LeaseTimeToLiveResponse> {
    const o = await this.transport.call('/v3/lease/timetolive', opts.keys ? { ID: leaseId, keys: true } : { ID: leaseId });
    return {
      header: decodeHeader(o.header),
      id: id(o.ID),
      ttl: num(o.TTL),
      grantedTtl: num(o.grantedTTL),
      keys: wireArray(o.keys).map(wireBytes),
    };
  }

  /** leaseLeases lists the IDs of every live lease. */
  async leaseLeases(): Promise<LeaseId[]> {
    const o = await this.transport.call('/v3/lease/leases', {});
    return wireArray(o.leases).map((l) => id(wireObject(l).ID));
  }

  /** status reports the member's version, database size and raft position. */
  async status(): Promise<StatusResponse> {
    const o = await this.transport.call('/v3/maintenance/status', {});
    return {
      header: decodeHeader(o.header),
      version: String(o.version ?? ''),
      dbSize: num(o.dbSize),
      leader: id(o.leader),
      raftIndex: num(o.raftIndex),
      raftTerm: num(o.raftTerm),
      raftAppliedIndex: num(o.raftAppliedIndex),
      dbSizeInUse: num(o.dbSizeInUse),
      errors: wireArray(o.errors).map(String),
      isLearner: o.isLearner === true,
    };
  }

  /**
   * snapshot streams a point-in-time copy of the whole store: the bytes etcd's `snapshot save`
   * writes (for etcd, a bbolt file followed by its SHA-256).
   */
  snapshot(): Readable {
    const transport = this.transport;
    async function* blobs(): AsyncGenerator<Buffer> {
      const body = await transport.postStream('/v3/maintenance/snapshot', '{}');
      for await (const msg of jsonLines(body)) {
        if (msg.error !== undefined) throw errorFromBody(200, JSON.stringify(msg));
        const blob = wireBytes(wireObject(msg.result).blob);
        if (blob.length > 0) yield blob;
      }
    }
    return Readable.from(blobs(), { objectMode: false });
  }

  /** close closes every watch stream and the connection pool. */
  async close(): Promise<void> {
    for (const s of this.streams) s.close();
    this.streams.clear();
    await this.transport.close();
  }
}

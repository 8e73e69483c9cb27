/**
 * encode renders responses exactly as etcd's gateway does (proto3 JSON): proto field names, int64 as
 * strings, bytes as base64, and every zero value (0, false, empty bytes, empty lists) omitted.
 * Responses are assembled as strings: they are the hot path of every request.
 */
import type { LeaseGrantResult, LeaseTimeToLiveResult } from '../engine.js';
import type { RpcError } from '../errors.js';
import type {
  DeleteRangeResult,
  KeyValue,
  MvccEvent,
  PutResult,
  RangeResult,
  ResponseOp,
  TxnResult,
} from '../mvcc/types.js';
import { isTombstone } from '../mvcc/types.js';
import type { WatchResponse } from '../watch/types.js';

/** raftTerm is what a single-member etcd reports after its first election. */
const raftTerm = '2';
const eventCacheLimit = 8192;

/** Encoder renders the responses of one store (its cluster and member IDs go in every header). */
export class Encoder {
  private readonly headPrefix: string;
  private readonly headNoRev: string;
  private readonly eventCache = new Map<MvccEvent, string>();

  constructor(
    clusterId: bigint,
    memberId: bigint,
    /** The etcd version this store reports. */
    readonly version: string,
  ) {
    this.headPrefix = `{"cluster_id":"${clusterId}","member_id":"${memberId}","revision":"`;
    this.headNoRev = `{"cluster_id":"${clusterId}","member_id":"${memberId}","raft_term":"${raftTerm}"}`;
  }

  /** header renders a ResponseHeader; revision 0 is omitted. */
  header(revision: number): string {
    return revision === 0 ? this.headNoRev : `${this.headPrefix}${revision}","raft_term":"${raftTerm}"}`;
  }

  /** range renders a RangeResponse (with the full header, or `inner` for a txn's op). */
  range(r: RangeResult, inner = false): string {
    let s = `{"header":${this.headerFor(r.revision, inner)}`;
    if (r.kvs.length > 0) s += `,"kvs":[${r.kvs.map((kv) => kvJson(kv, r.keysOnly)).join(',')}]`;
    if (r.more) s += ',"more":true';
    if (r.count !== 0) s += `,"count":"${r.count}"`;
    return s + '}';
  }

  /** put renders a PutResponse. */
  put(r: PutResult, inner = false): string {
    let s = `{"header":${this.headerFor(r.revision, inner)}`;
    if (r.prevKv) s += `,"prev_kv":${kvJson(r.prevKv)}`;
    return s + '}';
  }

  /** deleteRange renders a DeleteRangeResponse. */
  deleteRange(r: DeleteRangeResult, inner = false): string {
    let s = `{"header":${this.headerFor(r.revision, inner)}`;
    if (r.deleted !== 0) s += `,"deleted":"${r.deleted}"`;
    if (r.prevKvs && r.prevKvs.length > 0) s += `,"prev_kvs":[${r.prevKvs.map((kv) => kvJson(kv)).join(',')}]`;
    return s + '}';
  }

  /** txn renders a TxnResponse; a nested txn's header is empty, as etcd sends it. */
  txn(r: TxnResult, inner = false): string {
    let s = `{"header":${inner ? '{}' : this.header(r.revision)}`;
    if (r.succeeded) s += ',"succeeded":true';
    if (r.responses.length > 0) s += `,"responses":[${r.responses.map((op) => this.responseOp(op)).join(',')}]`;
    return s + '}';
  }

  /** headerOnly renders a response that is just a header (compaction, lease revoke). */
  headerOnly(revision: number): string {
    return `{"header":${this.header(revision)}}`;
  }

  /** leaseGrant renders a LeaseGrantResponse. */
  leaseGrant(r: LeaseGrantResult): string {
    return `{"header":${this.header(r.revision)},"ID":"${r.id}","TTL":"${r.ttl}"}`;
  }

  /** leaseKeepAlive renders one keepalive stream message; an unknown lease has no TTL. */
  leaseKeepAlive(r: { revision: number; id: bigint; ttl: number }): string {
    const ttl = r.ttl !== 0 ? `,"TTL":"${r.ttl}"` : '';
    return `{"result":{"header":${this.header(r.revision)}${r.id !== 0n ? `,"ID":"${r.id}"` : ''}${ttl}}}\n`;
  }

  /** leaseTimeToLive renders a LeaseTimeToLiveResponse. */
  leaseTimeToLive(r: LeaseTimeToLiveResult): string {
    let s = `{"header":${this.header(r.revision)}`;
    if (r.id !== 0n) s += `,"ID":"${r.id}"`;
    if (r.ttl !== 0) s += `,"TTL":"${r.ttl}"`;
    if (r.grantedTtl !== 0) s += `,"grantedTTL":"${r.grantedTtl}"`;
    if (r.keys && r.keys.length > 0) s += `,"keys":[${r.keys.map((k) => `"${k.toString('base64')}"`).join(',')}]`;
    return s + '}';
  }

  /** leaseLeases renders a LeaseLeasesResponse. */
  leaseLeases(r: { revision: number; ids: bigint[] }): string {
    const leases = r.ids.length > 0 ? `,"leases":[${r.ids.map((id) => `{"ID":"${id}"}`).join(',')}]` : '';
    return `{"header":${this.header(r.revision)}${leases}}`;
  }

  /** watch renders one watch stream message, newline-terminated. */
  watch(r: WatchResponse): string {
    let s = `{"result":{"header":${this.header(r.revision)}`;
    if (r.watchId !== 0) s += `,"watch_id":"${r.watchId}"`;
    if (r.created) s += ',"created":true';
    if (r.canceled) s += ',"canceled":true';
    if (r.compactRevision) s += `,"compact_revision":"${r.compactRevision}"`;
    if (r.cancelReason) s += `,"cancel_reason":${JSON.stringify(r.cancelReason)}`;
    if (r.events && r.events.length > 0) {
      s += `,"events":[${r.events.map((ev) => (r.prevKv ? this.eventWithPrev(ev) : eventJson(ev, false))).join(',')}]`;
    }
    return s + '}}\n';
  }

  private eventWithPrev(ev: MvccEvent): string {
    let s = this.eventCache.get(ev);
    if (s === undefined) {
      if (this.eventCache.size >= eventCacheLimit) this.eventCache.clear();
      s = eventJson(ev, true);
      this.eventCache.set(ev, s);
    }
    return s;
  }

  private headerFor(revision: number, inner: boolean): string {
    return inner ? `{"revision":"${revision}"}` : this.header(revision);
  }

  private responseOp(op: ResponseOp): string {
    if ('range' in op) return `{"response_range":${this.range(op.range, true)}}`;
    if ('put' in op) return `{"response_put":${this.put(op.put, true)}}`;
    if ('deleteRange' in op) return `{"response_delete_range":${this.deleteRange(op.deleteRange, true)}}`;
    return `{"response_txn":${this.txn(op.txn, true)}}`;
  }
}

/** kvJson renders a KeyValue, omitting zero fields (a tombstone renders as key + mod_revision). */
export function kvJson(kv: KeyValue, keysOnly = false): string {
  let s = `{"key":"${Buffer.from(kv.key, 'latin1').toString('base64')}"`;
  if (kv.createRevision !== 0) s += `,"create_revision":"${kv.createRevision}"`;
  if (kv.modRevision !== 0) s += `,"mod_revision":"${kv.modRevision}"`;
  if (kv.version !== 0) s += `,"version":"${kv.version}"`;
  if (!keysOnly && kv.value.length > 0) s += `,"value":"${kv.value.toString('base64')}"`;
  if (kv.lease !== 0n) s += `,"lease":"${kv.lease}"`;
  return s + '}';
}

function eventJson(ev: MvccEvent, withPrev: boolean): string {
  let s = isTombstone(ev.kv) ? `{"type":"DELETE","kv":${kvJson(ev.kv)}` : `{"kv":${kvJson(ev.kv)}`;
  if (withPrev && ev.prevKv) s += `,"prev_kv":${kvJson(ev.prevKv)}`;
  return s + '}';
}

/** errorBody renders the gateway's error body for an RpcError. */
export function errorBody(err: RpcError): string {
  const msg = JSON.stringify(err.message);
  return `{"error":${msg},"message":${msg},"code":${err.code}}`;
}

/** httpStatusOf maps a gRPC code to grpc-gateway v1's HTTP status. */
export function httpStatusOf(code: number): number {
  switch (code) {
    case 3:
    case 11:
      return 400;
    case 5:
      return 404;
    case 8:
      return 429;
    case 9:
      return 412;
    case 14:
      return 503;
    default:
      return 500;
  }
}

/**
 * Codec between the client's types and the etcd v3 JSON gateway's wire form (proto3 JSON as
 * grpc-gateway writes it): bytes as base64, int64 as decimal strings, enums by name, snake_case
 * field names (the gateway keeps the proto names), and zero values omitted. Encoders omit zero
 * values too, so requests look like etcdctl's.
 */
import type {
  Bytes,
  Compare,
  DeleteOptions,
  DeleteRangeResponse,
  KeyRangeOptions,
  KeyValue,
  PutOptions,
  PutResponse,
  RangeOptions,
  RangeResponse,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  TxnRequest,
  TxnResponse,
  WatchEvent,
  WatchOptions,
} from './types.js';

/** Wire is a decoded JSON object as the gateway sends it. */
export type Wire = Record<string, unknown>;

/** toBuffer converts a key or value (UTF-8 for strings) to bytes. */
export function toBuffer(b: Bytes): Buffer {
  return typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** b64 encodes bytes for the wire. */
export function b64(b: Bytes): string {
  return toBuffer(b).toString('base64');
}

/** prefixEnd is the range end that selects every key starting with prefix ("\0" for an empty prefix). */
export function prefixEnd(prefix: Bytes): Buffer {
  const end = Buffer.from(toBuffer(prefix));
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  // All 0xff (or empty): no upper bound, which etcd spells "\0".
  return Buffer.from([0]);
}

/** rangeEndOf resolves the rangeEnd/prefix/fromKey options to the wire's range_end, if any. */
export function rangeEndOf(key: Bytes, o: KeyRangeOptions): Buffer | undefined {
  const set = Number(o.rangeEnd !== undefined) + Number(Boolean(o.prefix)) + Number(Boolean(o.fromKey));
  if (set > 1) throw new TypeError('at most one of rangeEnd, prefix and fromKey may be given');
  if (o.prefix) return prefixEnd(key);
  if (o.fromKey) return Buffer.from([0]);
  return o.rangeEnd === undefined ? undefined : toBuffer(o.rangeEnd);
}

/** compactObject drops the fields whose value is a proto3 default (undefined, false, 0, "", "0"). */
function compactObject(o: Wire): Wire {
  const out: Wire = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === false || v === 0 || v === '' || v === '0') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out;
}

function int64(n: number | undefined): string | undefined {
  if (n === undefined) return undefined;
  if (!Number.isSafeInteger(n)) throw new TypeError(`not a safe integer: ${n}`);
  return String(n);
}

function keyFields(key: Bytes, o: KeyRangeOptions): Wire {
  const end = rangeEndOf(key, o);
  return { key: b64(key), range_end: end === undefined ? undefined : end.toString('base64') };
}

export function encodeRange(key: Bytes, o: RangeOptions = {}): Wire {
  return compactObject({
    ...keyFields(key, o),
    limit: int64(o.limit),
    revision: int64(o.revision),
    sort_order: o.sortOrder === 'NONE' ? undefined : o.sortOrder,
    sort_target: o.sortTarget === 'KEY' ? undefined : o.sortTarget,
    serializable: o.serializable,
    keys_only: o.keysOnly,
    count_only: o.countOnly,
    min_mod_revision: int64(o.minModRevision),
    max_mod_revision: int64(o.maxModRevision),
    min_create_revision: int64(o.minCreateRevision),
    max_create_revision: int64(o.maxCreateRevision),
  });
}

export function encodePut(key: Bytes, value: Bytes, o: PutOptions = {}): Wire {
  return compactObject({
    key: b64(key),
    value: b64(value),
    lease: o.lease,
    prev_kv: o.prevKv,
    ignore_value: o.ignoreValue,
    ignore_lease: o.ignoreLease,
  });
}

export function encodeDeleteRange(key: Bytes, o: DeleteOptions = {}): Wire {
  return compactObject({ ...keyFields(key, o), prev_kv: o.prevKv });
}

function encodeCompare(c: Compare): Wire {
  const base: Wire = { key: b64(c.key), range_end: c.rangeEnd === undefined ? undefined : b64(c.rangeEnd) };
  // EQUAL and VERSION are the enums' zero values: proto3 JSON omits them.
  base.result = c.result === 'EQUAL' ? undefined : c.result;
  switch (c.target) {
    case 'VERSION':
      return compactObject({ ...base, version: int64(c.version) });
    case 'CREATE':
      return compactObject({ ...base, target: 'CREATE', create_revision: int64(c.createRevision) });
    case 'MOD':
      return compactObject({ ...base, target: 'MOD', mod_revision: int64(c.modRevision) });
    case 'VALUE':
      return compactObject({ ...base, target: 'VALUE', value: b64(c.value) });
    case 'LEASE':
      return compactObject({ ...base, target: 'LEASE', lease: c.lease });
  }
}

function encodeOp(op: RequestOp): Wire {
  if ('range' in op) return { request_range: encodeRange(op.range.key, op.range) };
  if ('put' in op) return { request_put: encodePut(op.put.key, op.put.value, op.put) };
  if ('deleteRange' in op) return { request_delete_range: encodeDeleteRange(op.deleteRange.key, op.deleteRange) };
  return { request_txn: encodeTxn(op.txn) };
}

export function encodeTxn(t: TxnRequest): Wire {
  return compactObject({
    compare: (t.compare ?? []).map(encodeCompare),
    success: (t.success ?? []).map(encodeOp),
    failure: (t.failure ?? []).map(encodeOp),
  });
}

export function encodeWatchCreate(o: WatchOptions): Wire {
  return {
    create_request: compactObject({
      ...keyFields(o.key, o),
      start_revision: int64(o.startRevision),
      progress_notify: o.progressNotify,
      filters: o.filters,
      prev_kv: o.prevKv,
      watch_id: int64(o.watchId),
    }),
  };
}

// ---- decoding ----

/** num decodes an int64 (string or number on the wire; absent means 0). */
export function num(v: unknown): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isSafeInteger(n)) throw new TypeError(`bad int64 on the wire: ${JSON.stringify(v)}`);
  return n;
}

/** id decodes an int64/uint64 identifier to its decimal string, without losing precision. */
export function id(v: unknown): string {
  if (v === undefined || v === null || v === '') return '0';
  return typeof v === 'number' ? BigInt(v).toString() : String(v);
}

function bytes(v: unknown): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.alloc(0);
}

function obj(v: unknown): Wire {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Wire) : {};
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function decodeHeader(v: unknown): ResponseHeader {
  const h = obj(v);
  return { clusterId: id(h.cluster_id), memberId: id(h.member_id), revision: num(h.revision), raftTerm: num(h.raft_term) };
}

export function decodeKv(v: unknown): KeyValue {
  const o = obj(v);
  const kv: KeyValue = {
    key: bytes(o.key),
    value: bytes(o.value),
    createRevision: num(o.create_revision),
    modRevision: num(o.mod_revision),
    version: num(o.version),
  };
  const lease = id(o.lease);
  if (lease !== '0') kv.lease = lease;
  return kv;
}

export function decodeRange(v: unknown): RangeResponse {
  const o = obj(v);
  return { header: decodeHeader(o.header), kvs: arr(o.kvs).map(decodeKv), more: o.more === true, count: num(o.count) };
}

export function decodePut(v: unknown): PutResponse {
  const o = obj(v);
  const r: PutResponse = { header: decodeHeader(o.header) };
  if (o.prev_kv !== undefined) r.prevKv = decodeKv(o.prev_kv);
  return r;
}

export function decodeDeleteRange(v: unknown): DeleteRangeResponse {
  const o = obj(v);
  return { header: decodeHeader(o.header), deleted: num(o.deleted), prevKvs: arr(o.prev_kvs).map(decodeKv) };
}

function decodeOp(v: unknown): ResponseOp {
  const o = obj(v);
  if (o.response_range !== undefined) return { range: decodeRange(o.response_range) };
  if (o.response_put !== undefined) return { put: decodePut(o.response_put) };
  if (o.response_delete_range !== undefined) return { deleteRange: decodeDeleteRange(o.response_delete_range) };
  if (o.response_txn !== undefined) return { txn: decodeTxn(o.response_txn) };
  throw new TypeError(`unknown txn response op: ${JSON.stringify(v)}`);
}

export function decodeTxn(v: unknown): TxnResponse {
  const o = obj(v);
  return { header: decodeHeader(o.header), succeeded: o.succeeded === true, responses: arr(o.responses).map(decodeOp) };
}

export function decodeEvent(v: unknown): WatchEvent {
  const o = obj(v);
  const ev: WatchEvent = { type: o.type === 'DELETE' ? 'DELETE' : 'PUT', kv: decodeKv(o.kv) };
  if (o.prev_kv !== undefined) ev.prevKv = decodeKv(o.prev_kv);
  return ev;
}

/** obj/arr/bytes are shared with the client's other decoders. */
export { obj as wireObject, arr as wireArray, bytes as wireBytes };

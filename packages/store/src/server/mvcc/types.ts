/**
 * Types of the MVCC model, as etcd's mvccpb and etcdserverpb define them. Keys are {@link ByteString}s
 * (one char per byte) so that JavaScript's string order is etcd's byte order; values are Buffers.
 */

/** ByteString is a string whose every char code is one byte (latin1); `<` compares it like bytes. */
export type ByteString = string;

/**
 * KeyValue is one revision of one key. A tombstone (the key deleted at `modRevision`) has version 0,
 * createRevision 0 and an empty value. Instances are immutable and shared between the index, the
 * event log and responses.
 */
export interface KeyValue {
  readonly key: ByteString;
  readonly createRevision: number;
  readonly modRevision: number;
  /** Number of puts since the key was (re)created; 0 marks a tombstone. */
  readonly version: number;
  readonly value: Buffer;
  /** Lease ID the key is attached to; 0n for none. */
  readonly lease: bigint;
  /** Position of this change within its revision (etcd's sub-revision). */
  readonly sub: number;
}

/** MvccEvent is one change in revision order: a put (kv alive) or a delete (kv is a tombstone). */
export interface MvccEvent {
  readonly kv: KeyValue;
  /** The key's previous live revision, if it existed when the change was made. */
  readonly prevKv: KeyValue | undefined;
}

/** isTombstone reports whether kv records a deletion. */
export function isTombstone(kv: KeyValue): boolean {
  return kv.version === 0;
}

/**
 * KeyRange selects keys as etcd does: `end` undefined selects `key` alone, `end` '' selects every key
 * >= key (the wire's range_end "\0"), otherwise [key, end). An `end` <= key selects nothing.
 */
export interface KeyRange {
  readonly key: ByteString;
  readonly end?: ByteString | undefined;
}

/** keyRangeFromWire turns a request's key and range_end into a {@link KeyRange}. */
export function keyRangeFromWire(key: ByteString, rangeEnd: ByteString | undefined): KeyRange {
  if (rangeEnd === undefined || rangeEnd === '') return { key };
  return { key, end: rangeEnd === '\0' ? '' : rangeEnd };
}

/** inRange reports whether k is selected by r. */
export function inRange(r: KeyRange, k: ByteString): boolean {
  if (r.end === undefined) return k === r.key;
  return k >= r.key && (r.end === '' || k < r.end);
}

export type SortOrder = 'NONE' | 'ASCEND' | 'DESCEND';
export type SortTarget = 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';

/** RangeRequest is etcd's RangeRequest with decoded keys. */
export interface RangeRequest {
  key: ByteString;
  rangeEnd?: ByteString | undefined;
  limit?: number | undefined;
  /** Revision to read at; 0 or absent means the current revision. */
  revision?: number | undefined;
  sortOrder?: SortOrder | undefined;
  sortTarget?: SortTarget | undefined;
  serializable?: boolean | undefined;
  keysOnly?: boolean | undefined;
  countOnly?: boolean | undefined;
  minModRevision?: number | undefined;
  maxModRevision?: number | undefined;
  minCreateRevision?: number | undefined;
  maxCreateRevision?: number | undefined;
}

/** RangeResult is the body of a RangeResponse; `revision` is the revision the range observed. */
export interface RangeResult {
  revision: number;
  kvs: KeyValue[];
  more: boolean;
  count: number;
  keysOnly: boolean;
}

/** PutRequest is etcd's PutRequest. */
export interface PutRequest {
  key: ByteString;
  value?: Buffer | undefined;
  lease?: bigint | undefined;
  prevKv?: boolean | undefined;
  ignoreValue?: boolean | undefined;
  ignoreLease?: boolean | undefined;
}

/** PutResult is the body of a PutResponse. */
export interface PutResult {
  revision: number;
  prevKv: KeyValue | undefined;
}

/** DeleteRangeRequest is etcd's DeleteRangeRequest. */
export interface DeleteRangeRequest {
  key: ByteString;
  rangeEnd?: ByteString | undefined;
  prevKv?: boolean | undefined;
}

/** DeleteRangeResult is the body of a DeleteRangeResponse. */
export interface DeleteRangeResult {
  revision: number;
  deleted: number;
  prevKvs: KeyValue[] | undefined;
}

export type CompareResult = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
export type CompareTarget = 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';

/** Compare is one txn guard; the operand for `target` is in the matching field. */
export interface Compare {
  key: ByteString;
  rangeEnd?: ByteString | undefined;
  result?: CompareResult | undefined;
  target?: CompareTarget | undefined;
  version?: number | undefined;
  createRevision?: number | undefined;
  modRevision?: number | undefined;
  value?: Buffer | undefined;
  lease?: bigint | undefined;
}

/** RequestOp is one operation of a txn branch; an op with no field set is an empty union. */
export interface RequestOp {
  requestRange?: RangeRequest | undefined;
  requestPut?: PutRequest | undefined;
  requestDeleteRange?: DeleteRangeRequest | undefined;
  requestTxn?: TxnRequest | undefined;
}

/** TxnRequest is etcd's TxnRequest. */
export interface TxnRequest {
  compare?: Compare[] | undefined;
  success?: RequestOp[] | undefined;
  failure?: RequestOp[] | undefined;
}

/** ResponseOp is the result of one {@link RequestOp}. */
export type ResponseOp =
  | { range: RangeResult }
  | { put: PutResult }
  | { deleteRange: DeleteRangeResult }
  | { txn: TxnResult };

/** TxnResult is the body of a TxnResponse. */
export interface TxnResult {
  revision: number;
  succeeded: boolean;
  responses: ResponseOp[];
}

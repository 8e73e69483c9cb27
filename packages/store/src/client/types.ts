/**
 * Public types of the etcd v3 client. Everything here is decoded: keys and values are Buffers,
 * int64 fields are numbers, except IDs that use the whole int64 range (lease, cluster and member
 * IDs), which stay decimal strings exactly as the gateway sends them.
 *
 * Revisions, versions and counts are JavaScript numbers. They are exact below 2^53, which a store
 * reaches after 285 years at a million writes per second; the decoder rejects anything larger.
 */

/** Bytes is what the client accepts as a key or value: raw bytes, or a string taken as UTF-8. */
export type Bytes = Uint8Array | string;

/** LeaseId is an etcd lease ID: a decimal int64 string ("0" means no lease). */
export type LeaseId = string;

/** ResponseHeader is the header of every response. */
export interface ResponseHeader {
  clusterId: string;
  memberId: string;
  /** The store's revision when the request was served (for a write: the revision it created). */
  revision: number;
  raftTerm: number;
}

/** KeyValue is one key as stored at some revision. */
export interface KeyValue {
  key: Buffer;
  /** Empty for keys_only ranges and for the kv of a DELETE event. */
  value: Buffer;
  /** Revision of the key's last creation; 0 on a DELETE event's kv. */
  createRevision: number;
  /** Revision of the key's last modification (for a DELETE event: the deletion). */
  modRevision: number;
  /** Number of writes since creation (1 after create); 0 on a DELETE event's kv. */
  version: number;
  /** Lease the key is attached to; absent when none. */
  lease?: LeaseId;
}

export type SortOrder = 'NONE' | 'ASCEND' | 'DESCEND';
export type SortTarget = 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';

/**
 * KeyRange selects keys: just `key`, or [key, rangeEnd), or every key with `key` as prefix
 * (`prefix: true`), or every key >= key (`fromKey: true`). At most one of rangeEnd/prefix/fromKey.
 */
export interface KeyRangeOptions {
  rangeEnd?: Bytes;
  prefix?: boolean;
  fromKey?: boolean;
}

/** RangeOptions are the options of {@link EtcdClient.range}. */
export interface RangeOptions extends KeyRangeOptions {
  /** Maximum number of keys returned; 0 or absent means no limit. */
  limit?: number;
  /** Read at this past revision; 0 or absent means the current one. */
  revision?: number;
  sortOrder?: SortOrder;
  sortTarget?: SortTarget;
  serializable?: boolean;
  keysOnly?: boolean;
  countOnly?: boolean;
  minModRevision?: number;
  maxModRevision?: number;
  minCreateRevision?: number;
  maxCreateRevision?: number;
}

/** RangeResponse is the result of a range: the keys, whether more exist past `limit`, and the full count. */
export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

/** PutOptions are the options of {@link EtcdClient.put}. */
export interface PutOptions {
  lease?: LeaseId;
  prevKv?: boolean;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}

export interface PutResponse {
  header: ResponseHeader;
  /** The previous key-value, when asked for with prevKv and the key existed. */
  prevKv?: KeyValue;
}

/** DeleteOptions are the options of {@link EtcdClient.deleteRange}. */
export interface DeleteOptions extends KeyRangeOptions {
  prevKv?: boolean;
}

export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: number;
  /** The deleted key-values, when asked for with prevKv. */
  prevKvs: KeyValue[];
}

export type CompareResult = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';

/** Compare is one condition of a txn; the target field named by `target` holds the operand. */
export type Compare = { key: Bytes; rangeEnd?: Bytes; result: CompareResult } & (
  | { target: 'VERSION'; version: number }
  | { target: 'CREATE'; createRevision: number }
  | { target: 'MOD'; modRevision: number }
  | { target: 'VALUE'; value: Bytes }
  | { target: 'LEASE'; lease: LeaseId }
);

/** RequestOp is one operation of a txn branch. */
export type RequestOp =
  | { range: { key: Bytes } & RangeOptions }
  | { put: { key: Bytes; value: Bytes } & PutOptions }
  | { deleteRange: { key: Bytes } & DeleteOptions }
  | { txn: TxnRequest };

/** ResponseOp is the result of one RequestOp, under the same name. */
export type ResponseOp =
  | { range: RangeResponse }
  | { put: PutResponse }
  | { deleteRange: DeleteRangeResponse }
  | { txn: TxnResponse };

/** TxnRequest runs `success` if every compare holds, else `failure`, atomically at one revision. */
export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

/**
 * CasResult is the outcome of a compare-and-swap helper. `revision` is the store revision after
 * the txn (the new key's mod revision on success). On failure `current` is the key as it is now,
 * or undefined if it does not exist.
 */
export interface CasResult {
  succeeded: boolean;
  revision: number;
  current?: KeyValue;
}

export interface CompactResponse {
  header: ResponseHeader;
}

export interface LeaseGrantResponse {
  header: ResponseHeader;
  id: LeaseId;
  /** Granted TTL in seconds. */
  ttl: number;
}

export interface LeaseKeepAliveResponse {
  header: ResponseHeader;
  id: LeaseId;
  /** The renewed TTL in seconds. */
  ttl: number;
}

export interface LeaseTimeToLiveResponse {
  header: ResponseHeader;
  id: LeaseId;
  /** Remaining seconds; -1 if the lease does not exist (or expired). */
  ttl: number;
  /** TTL the lease was granted with (0 if it does not exist). */
  grantedTtl: number;
  /** Keys attached to the lease, when asked for. */
  keys: Buffer[];
}

export interface StatusResponse {
  header: ResponseHeader;
  version: string;
  dbSize: number;
  leader: string;
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
  dbSizeInUse: number;
  errors: string[];
  isLearner: boolean;
}

export type WatchFilter = 'NOPUT' | 'NODELETE';

/** WatchOptions select what one watcher sees. */
export interface WatchOptions extends KeyRangeOptions {
  key: Bytes;
  /** First revision to deliver (inclusive); absent means "from now". */
  startRevision?: number;
  prevKv?: boolean;
  /** Ask the server for periodic progress notifications on this watcher. */
  progressNotify?: boolean;
  filters?: WatchFilter[];
  /** Explicit watch ID; absent lets the server choose. */
  watchId?: number;
}

/** WatchEvent is one change: a PUT (create or update) or a DELETE. */
export interface WatchEvent {
  type: 'PUT' | 'DELETE';
  kv: KeyValue;
  /** The key before the change, when the watcher asked for prevKv and the key existed. */
  prevKv?: KeyValue;
}

/**
 * WatchResponse is one batch delivered to a watcher: the events of one or more revisions in order,
 * or (with no events) a progress notification saying that the watcher has seen everything up to
 * header.revision.
 */
export interface WatchResponse {
  header: ResponseHeader;
  watchId: number;
  events: WatchEvent[];
  /** True for a progress notification (no events). */
  progressNotify: boolean;
}

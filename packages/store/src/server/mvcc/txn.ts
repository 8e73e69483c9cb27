import {
  errDuplicateKey,
  errEmptyKey,
  errKeyNotFound,
  errLeaseNotFound,
  errLeaseProvided,
  errTooManyOps,
  errValueProvided,
} from '../errors.js';
import type { MvccStore, WriteTxn } from './mvcc-store.js';
import {
  keyRangeFromWire,
  type ByteString,
  type Compare,
  type DeleteRangeRequest,
  type KeyValue,
  type PutRequest,
  type RequestOp,
  type ResponseOp,
  type TxnRequest,
  type TxnResult,
} from './types.js';

const empty = Buffer.alloc(0);

/** checkPutRequest rejects a put etcd's API layer rejects before it reaches the store. */
export function checkPutRequest(p: PutRequest): void {
  if (!p.key) throw errEmptyKey();
  if (p.ignoreValue && p.value !== undefined && p.value.length > 0) throw errValueProvided();
  if (p.ignoreLease && p.lease !== undefined && p.lease !== 0n) throw errLeaseProvided();
}

/**
 * checkTxnRequest validates a txn as etcd's API layer does: op counts, keys present, and no key
 * written twice (a put twice, or a put inside a delete range, on the same path of the txn).
 */
export function checkTxnRequest(t: TxnRequest, maxTxnOps: number): void {
  checkTxnShape(t, maxTxnOps);
  checkIntervals(t.success ?? []);
  checkIntervals(t.failure ?? []);
}

function checkTxnShape(t: TxnRequest, maxTxnOps: number): void {
  const compare = t.compare ?? [];
  const success = t.success ?? [];
  const failure = t.failure ?? [];
  if (compare.length > maxTxnOps || success.length > maxTxnOps || failure.length > maxTxnOps) {
    throw errTooManyOps();
  }
  for (const c of compare) if (!c.key) throw errEmptyKey();
  for (const op of [...success, ...failure]) {
    if (op.requestRange) {
      if (!op.requestRange.key) throw errEmptyKey();
    } else if (op.requestPut) {
      checkPutRequest(op.requestPut);
    } else if (op.requestDeleteRange) {
      if (!op.requestDeleteRange.key) throw errEmptyKey();
    } else if (op.requestTxn) {
      checkTxnShape(op.requestTxn, maxTxnOps);
    } else {
      // etcd answers an empty union with this (surprising) error; we match it.
      throw errKeyNotFound();
    }
  }
}

interface Interval {
  start: ByteString;
  /** Exclusive end; undefined for a single key. Compared literally: "\0" here is not "to the end". */
  end: ByteString | undefined;
}

function intersects(dels: Interval[], k: ByteString): boolean {
  return dels.some((d) => (d.end === undefined ? d.start === k : k >= d.start && k < d.end));
}

/** checkIntervals mirrors etcd's: returns the puts and deletes of ops and nested txns, or throws. */
function checkIntervals(ops: RequestOp[]): { puts: Set<ByteString>; dels: Interval[] } {
  const dels: Interval[] = [];
  for (const op of ops) {
    const d = op.requestDeleteRange;
    if (d) dels.push({ start: d.key, end: d.rangeEnd === undefined || d.rangeEnd === '' ? undefined : d.rangeEnd });
  }
  const puts = new Set<ByteString>();
  const addPut = (k: ByteString, seen: Set<ByteString>): void => {
    if (seen.has(k) || intersects(dels, k)) throw errDuplicateKey();
    seen.add(k);
  };
  for (const op of ops) {
    if (!op.requestTxn) continue;
    const then = checkIntervals(op.requestTxn.success ?? []);
    const otherwise = checkIntervals(op.requestTxn.failure ?? []);
    const before = new Set(puts);
    for (const k of then.puts) addPut(k, puts);
    // The two branches exclude each other: they may write the same key.
    const elsePuts = new Set(before);
    for (const k of otherwise.puts) addPut(k, elsePuts);
    for (const k of elsePuts) puts.add(k);
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) if (op.requestPut) addPut(op.requestPut.key, puts);
  return { puts, dels };
}

/** isTxnReadOnly reports whether no path of t can write. */
export function isTxnReadOnly(t: TxnRequest): boolean {
  return [...(t.success ?? []), ...(t.failure ?? [])].every(
    (op) => op.requestRange !== undefined || (op.requestTxn !== undefined && isTxnReadOnly(op.requestTxn)),
  );
}

/** evalCompare evaluates one guard at rev as etcd does: every key of its range must satisfy it. */
export function evalCompare(store: MvccStore, c: Compare, rev: number): boolean {
  const kvs = store.liveKeys(keyRangeFromWire(c.key, c.rangeEnd), rev);
  if (kvs.length === 0) {
    // A missing key has no value to compare; other targets compare against zero.
    if (c.target === 'VALUE') return false;
    return compareKV(c, undefined);
  }
  return kvs.every((kv) => compareKV(c, kv));
}

function compareKV(c: Compare, kv: KeyValue | undefined): boolean {
  let r: number;
  switch (c.target ?? 'VERSION') {
    case 'VALUE':
      r = Buffer.compare(kv?.value ?? empty, c.value ?? empty);
      break;
    case 'CREATE':
      r = Math.sign((kv?.createRevision ?? 0) - (c.createRevision ?? 0));
      break;
    case 'MOD':
      r = Math.sign((kv?.modRevision ?? 0) - (c.modRevision ?? 0));
      break;
    case 'LEASE': {
      const a = kv?.lease ?? 0n;
      const b = c.lease ?? 0n;
      r = a < b ? -1 : a > b ? 1 : 0;
      break;
    }
    default:
      r = Math.sign((kv?.version ?? 0) - (c.version ?? 0));
  }
  switch (c.result ?? 'EQUAL') {
    case 'EQUAL':
      return r === 0;
    case 'NOT_EQUAL':
      return r !== 0;
    case 'GREATER':
      return r > 0;
    case 'LESS':
      return r < 0;
  }
}

/** TxnPath is the outcome of every compare of a txn and its nested txns, decided up front. */
interface TxnPath {
  succeeded: boolean;
  nested: TxnPath[];
}

function decidePath(store: MvccStore, t: TxnRequest, rev: number): TxnPath {
  const succeeded = (t.compare ?? []).every((c) => evalCompare(store, c, rev));
  const ops = (succeeded ? t.success : t.failure) ?? [];
  const nested = ops.filter((op) => op.requestTxn).map((op) => decidePath(store, op.requestTxn!, rev));
  return { succeeded, nested };
}

/** TxnEnv is what executing a txn needs from outside the keyspace. */
export interface TxnEnv {
  store: MvccStore;
  leaseExists(id: bigint): boolean;
}

/**
 * executeTxn runs t: decides every compare against the state before the txn, checks the chosen ops
 * (leases exist, revisions readable, ignore_value keys exist) so that a failing txn changes nothing,
 * then applies them. `w` is undefined for a read-only txn served from the visible state.
 */
export function executeTxn(env: TxnEnv, t: TxnRequest, w: WriteTxn | undefined): TxnResult {
  const base = w ? env.store.currentRev : env.store.visibleRev;
  const path = decidePath(env.store, t, base);
  checkPath(env, t, path, base);
  return applyPath(env, t, path, w, base);
}

function checkPath(env: TxnEnv, t: TxnRequest, path: TxnPath, base: number): void {
  let n = 0;
  for (const op of (path.succeeded ? t.success : t.failure) ?? []) {
    if (op.requestRange) env.store.readRevision(op.requestRange.revision, base);
    else if (op.requestPut) checkPut(env, op.requestPut, base);
    else if (op.requestTxn) checkPath(env, op.requestTxn, path.nested[n++]!, base);
  }
}

/** checkPut rejects a put whose lease is unknown or whose ignore_* flags need a missing key. */
export function checkPut(env: TxnEnv, p: PutRequest, rev: number): void {
  const lease = p.lease ?? 0n;
  if (lease !== 0n && !env.leaseExists(lease)) throw errLeaseNotFound();
  if ((p.ignoreValue || p.ignoreLease) && env.store.index.liveAt(p.key, rev) === undefined) throw errKeyNotFound();
}

function applyPath(env: TxnEnv, t: TxnRequest, path: TxnPath, w: WriteTxn | undefined, base: number): TxnResult {
  const responses: ResponseOp[] = [];
  // Like etcd, each op reports the txn's revision as of that op: the start revision until the txn
  // has written, the new one after.
  const now = (): number => (w ? w.revision : base);
  let n = 0;
  for (const op of (path.succeeded ? t.success : t.failure) ?? []) {
    if (op.requestRange) {
      const range = w ? w.range(op.requestRange) : env.store.range(op.requestRange, base);
      range.revision = now();
      responses.push({ range });
    } else if (op.requestPut) responses.push({ put: applyPut(w!, op.requestPut) });
    else if (op.requestDeleteRange) responses.push({ deleteRange: applyDeleteRange(w!, op.requestDeleteRange) });
    else if (op.requestTxn) responses.push({ txn: applyPath(env, op.requestTxn, path.nested[n++]!, w, base) });
  }
  return { revision: now(), succeeded: path.succeeded, responses };
}

/** applyPut performs a checked put inside w. */
export function applyPut(w: WriteTxn, p: PutRequest) {
  const cur = p.ignoreValue || p.ignoreLease ? w.get(p.key) : undefined;
  const value = p.ignoreValue ? (cur?.value ?? empty) : (p.value ?? empty);
  const lease = p.ignoreLease ? (cur?.lease ?? 0n) : (p.lease ?? 0n);
  const prev = w.put(p.key, value, lease);
  return { revision: w.rev, prevKv: p.prevKv ? prev : undefined };
}

/** applyDeleteRange performs a delete range inside w. */
export function applyDeleteRange(w: WriteTxn, d: DeleteRangeRequest) {
  const prev = w.deleteRange(d.key, d.rangeEnd);
  return { revision: w.revision, deleted: prev.length, prevKvs: d.prevKv && prev.length > 0 ? prev : undefined };
}

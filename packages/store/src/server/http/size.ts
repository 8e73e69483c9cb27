/**
 * Approximate protobuf sizes of decoded requests. etcd limits requests by their protobuf size
 * (--max-request-bytes for writes, plus gRPC's receive limit for anything); the gateway's JSON is
 * larger (base64), so the limits are applied to these estimates, which follow the proto encoding.
 */
import type { Compare, PutRequest, RequestOp, TxnRequest } from '../mvcc/types.js';

function varintLen(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/** field is the size of a length-delimited field holding n bytes (zero when absent, as proto3). */
function field(n: number | undefined): number {
  return n === undefined || n === 0 ? 0 : 1 + varintLen(n) + n;
}

/** putSize estimates a PutRequest's protobuf size. */
export function putSize(p: PutRequest): number {
  return field(p.key.length) + field(p.value?.length) + (p.lease ? 11 : 0) + 6;
}

function compareSize(c: Compare): number {
  return field(c.key.length) + field(c.rangeEnd?.length) + field(c.value?.length) + 15;
}

function opSize(op: RequestOp): number {
  if (op.requestPut) return field(putSize(op.requestPut));
  if (op.requestTxn) return field(txnSize(op.requestTxn));
  const r = op.requestRange ?? op.requestDeleteRange;
  return r ? field(field(r.key.length) + field(r.rangeEnd?.length) + 8) : 0;
}

/** txnSize estimates a TxnRequest's protobuf size. */
export function txnSize(t: TxnRequest): number {
  let n = 0;
  for (const c of t.compare ?? []) n += field(compareSize(c));
  for (const op of [...(t.success ?? []), ...(t.failure ?? [])]) n += field(opSize(op));
  return n;
}

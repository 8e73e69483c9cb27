/**
 * The LevelDB schema of the store: every retained change of the keyspace as one record under its
 * (revision, sub-revision), the leases, and a few meta keys. Records sort by revision, so recovery is
 * one ordered scan that replays history.
 *
 *   m:rev                      u64   last revision handed out (written with every batch: never reused)
 *   m:compact                  u64   compacted revision
 *   m:cluster, m:member        ascii cluster_id / member_id, generated once per data dir
 *   r:<u64 rev><u32 sub>       record: u8 format | u64 createRev | u64 version | i64 lease | u32 keyLen | key | value
 *   l:<i64 id>                 u64 granted TTL in seconds
 */
import type { KeyValue } from '../mvcc/types.js';

/** BatchOp is one write of a LevelDB batch. */
export type BatchOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

export const metaRevKey = Buffer.from('m:rev');
export const metaCompactKey = Buffer.from('m:compact');
export const metaClusterKey = Buffer.from('m:cluster');
export const metaMemberKey = Buffer.from('m:member');
const recordPrefix = Buffer.from('r:');
const leasePrefix = Buffer.from('l:');
const recordFormat = 1;
const fixedHeader = 1 + 8 + 8 + 8 + 4;

const two32 = 2 ** 32;

/** writeU64 writes a non-negative safe integer as 8 big-endian bytes (no BigInt: it is hot). */
function writeU64(b: Buffer, n: number, offset: number): void {
  b.writeUInt32BE(Math.floor(n / two32), offset);
  b.writeUInt32BE(n >>> 0, offset + 4);
}

/** u64 encodes a non-negative integer as 8 big-endian bytes. */
export function u64(n: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  writeU64(b, n, 0);
  return b;
}

/** readU64 decodes {@link u64}. */
export function readU64(b: Buffer, offset = 0): number {
  return b.readUInt32BE(offset) * two32 + b.readUInt32BE(offset + 4);
}

/** recordKey is the LevelDB key of the change at (rev, sub). */
export function recordKey(rev: number, sub: number): Buffer {
  const b = Buffer.allocUnsafe(2 + 8 + 4);
  recordPrefix.copy(b, 0);
  writeU64(b, rev, 2);
  b.writeUInt32BE(sub, 10);
  return b;
}

/** isRecordKey reports whether a LevelDB key holds a change. */
export function isRecordKey(k: Buffer): boolean {
  return k.length === 14 && k[0] === recordPrefix[0] && k[1] === recordPrefix[1];
}

/** encodeRecord serialises a change; modRevision and sub live in its key. */
export function encodeRecord(kv: KeyValue): Buffer {
  const keyLen = kv.key.length;
  const b = Buffer.allocUnsafe(fixedHeader + keyLen + kv.value.length);
  b.writeUInt8(recordFormat, 0);
  writeU64(b, kv.createRevision, 1);
  writeU64(b, kv.version, 9);
  b.writeBigInt64BE(kv.lease, 17);
  b.writeUInt32BE(keyLen, 25);
  b.write(kv.key, fixedHeader, 'latin1');
  kv.value.copy(b, fixedHeader + keyLen);
  return b;
}

/** decodeRecord reverses {@link encodeRecord} given the record's LevelDB key. */
export function decodeRecord(k: Buffer, v: Buffer): KeyValue {
  if (v.readUInt8(0) !== recordFormat) throw new Error(`unknown record format ${v.readUInt8(0)}`);
  const keyLen = v.readUInt32BE(25);
  return {
    key: v.toString('latin1', fixedHeader, fixedHeader + keyLen),
    createRevision: readU64(v, 1),
    modRevision: readU64(k, 2),
    version: readU64(v, 9),
    lease: v.readBigInt64BE(17),
    value: Buffer.from(v.subarray(fixedHeader + keyLen)),
    sub: k.readUInt32BE(10),
  };
}

/** leaseKey is the LevelDB key of a lease. */
export function leaseKey(id: bigint): Buffer {
  const b = Buffer.allocUnsafe(2 + 8);
  leasePrefix.copy(b, 0);
  b.writeBigInt64BE(id, 2);
  return b;
}

/** isLeaseKey reports whether a LevelDB key holds a lease. */
export function isLeaseKey(k: Buffer): boolean {
  return k.length === 10 && k[0] === leasePrefix[0] && k[1] === leasePrefix[1];
}

/** leaseIdOf decodes the lease ID from a {@link leaseKey}. */
export function leaseIdOf(k: Buffer): bigint {
  return k.readBigInt64BE(2);
}

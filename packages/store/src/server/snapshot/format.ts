/**
 * The snapshot blob: a framed dump of the store's LevelDB with a checksum, streamed by
 * /v3/maintenance/snapshot and written by `nanokube snapshot save`.
 *
 *   "NKSNAP01" | { u32 keyLen | u32 valueLen | key | value }* | u32 0xffffffff | sha256(everything before)
 */
import { createHash } from 'node:crypto';

const magic = Buffer.from('NKSNAP01');
const endMarker = 0xffffffff;

/** dumpSnapshot serialises every entry (from one consistent view) into a blob. */
export async function dumpSnapshot(entries: AsyncIterable<[Buffer, Buffer]>): Promise<Buffer> {
  const parts: Buffer[] = [magic];
  for await (const [k, v] of entries) {
    const head = Buffer.allocUnsafe(8);
    head.writeUInt32BE(k.length, 0);
    head.writeUInt32BE(v.length, 4);
    parts.push(head, k, v);
  }
  const end = Buffer.allocUnsafe(4);
  end.writeUInt32BE(endMarker, 0);
  parts.push(end);
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** isNanokubeSnapshot reports whether blob starts like one of ours (etcd's are bolt databases). */
export function isNanokubeSnapshot(blob: Buffer): boolean {
  return blob.subarray(0, magic.length).equals(magic);
}

/** parseSnapshot checks a blob's framing and checksum and returns its entries. */
export function parseSnapshot(blob: Buffer): Array<[Buffer, Buffer]> {
  if (!isNanokubeSnapshot(blob)) throw new Error('not a nanokube snapshot (bad magic)');
  if (blob.length < magic.length + 4 + 32) throw new Error('snapshot is truncated');
  const body = blob.subarray(0, blob.length - 32);
  const sum = blob.subarray(blob.length - 32);
  if (!createHash('sha256').update(body).digest().equals(sum)) throw new Error('snapshot checksum mismatch');
  const out: Array<[Buffer, Buffer]> = [];
  let off = magic.length;
  for (;;) {
    if (off + 4 > body.length) throw new Error('snapshot is truncated');
    const keyLen = body.readUInt32BE(off);
    if (keyLen === endMarker) break;
    if (off + 8 > body.length) throw new Error('snapshot is truncated');
    const valueLen = body.readUInt32BE(off + 4);
    off += 8;
    if (off + keyLen + valueLen > body.length) throw new Error('snapshot is truncated');
    out.push([body.subarray(off, off + keyLen), body.subarray(off + keyLen, off + keyLen + valueLen)]);
    off += keyLen + valueLen;
  }
  if (off + 4 !== body.length) throw new Error('snapshot has trailing data');
  return out;
}

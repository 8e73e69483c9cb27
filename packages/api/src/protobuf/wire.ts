/** A minimal protobuf wire-format reader (varint, 64-bit, length-delimited, 32-bit). */

/** WireError reports malformed protobuf input. */
export class WireError extends Error {
  override readonly name = 'WireError';
}

/** One raw field: number, wire type and its value (bigint for varints, bytes otherwise). */
export interface RawField {
  field: number;
  wireType: number;
  varint?: bigint;
  bytes?: Uint8Array;
}

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    const b = buf[pos + i];
    if (b === undefined) throw new WireError('unexpected end of protobuf data');
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos + i + 1];
    shift += 7n;
  }
  throw new WireError('protobuf varint too long');
}

/** readFields splits a message into its raw fields, in wire order. */
export function readFields(buf: Uint8Array): RawField[] {
  const out: RawField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, next] = readVarint(buf, pos);
    pos = next;
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (field === 0) throw new WireError('protobuf field number 0');
    switch (wireType) {
      case 0: {
        const [v, n] = readVarint(buf, pos);
        out.push({ field, wireType, varint: v });
        pos = n;
        break;
      }
      case 1:
      case 5: {
        const len = wireType === 1 ? 8 : 4;
        if (pos + len > buf.length) throw new WireError('unexpected end of protobuf data');
        out.push({ field, wireType, bytes: buf.subarray(pos, pos + len) });
        pos += len;
        break;
      }
      case 2: {
        const [len, n] = readVarint(buf, pos);
        const end = n + Number(len);
        if (end > buf.length) throw new WireError('unexpected end of protobuf data');
        out.push({ field, wireType, bytes: buf.subarray(n, end) });
        pos = end;
        break;
      }
      default:
        throw new WireError(`unsupported protobuf wire type ${wireType}`);
    }
  }
  return out;
}

/** readPackedVarints decodes a packed repeated varint field. */
export function readPackedVarints(buf: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [v, n] = readVarint(buf, pos);
    out.push(v);
    pos = n;
  }
  return out;
}

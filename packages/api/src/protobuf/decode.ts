/**
 * Decoding of `application/vnd.kubernetes.protobuf` request bodies (kubectl 1.32+ `create`,
 * `autoscale`, `create token`) into the JSON object the same command would send as JSON.
 * Envelope: magic `k8s\0` + runtime.Unknown {typeMeta{apiVersion, kind}, raw, contentEncoding,
 * contentType}. Go's marshaller writes every non-pointer field, so zero values of non-pointer
 * fields with `omitempty` are dropped while pointer fields keep their zeros.
 */
import { newBadRequest, StatusError } from '../errors/status.js';
import { messageTables, scalarTypes, specialTypes, topLevelKinds, type FieldSpec, type MessageTable } from './schema.js';
import { readFields, readPackedVarints, WireError, type RawField } from './wire.js';

/** The 4-byte prefix of every Kubernetes protobuf body. */
export const protobufMagic = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const utf8 = new TextDecoder('utf-8', { fatal: false });

function str(f: RawField): string {
  return utf8.decode(f.bytes ?? new Uint8Array());
}

function scalar(type: string, f: RawField): Json {
  switch (type) {
    case 'string':
      return str(f);
    case 'bytes':
      return Buffer.from(f.bytes ?? []).toString('base64');
    case 'bool':
      return (f.varint ?? 0n) !== 0n;
    case 'int32':
      return Number(BigInt.asIntN(32, f.varint ?? 0n));
    case 'int64':
      return Number(BigInt.asIntN(64, f.varint ?? 0n));
    case 'double':
      return f.bytes ? Buffer.from(f.bytes).readDoubleLE(0) : 0;
    default:
      throw new WireError(`unknown scalar type ${type}`);
  }
}

function zeroOf(type: string): Json {
  if (type === 'string' || type === 'bytes') return '';
  if (type === 'bool') return false;
  return 0;
}

function isZero(v: Json): boolean {
  return v === '' || v === 0 || v === false;
}

function formatTime(seconds: number, nanos: number, micro: boolean): string {
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (!micro) return `${iso}Z`;
  return `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

function special(type: string, bytes: Uint8Array | undefined): Json {
  const fields = readFields(bytes ?? new Uint8Array());
  const get = (n: number): RawField | undefined => fields.filter((f) => f.field === n).at(-1);
  switch (type) {
    case 'Time':
    case 'MicroTime': {
      const secs = Number(BigInt.asIntN(64, get(1)?.varint ?? 0n));
      const nanos = Number(get(2)?.varint ?? 0n);
      return secs === 0 && nanos === 0 ? null : formatTime(secs, nanos, type === 'MicroTime');
    }
    case 'IntOrString': {
      const isString = (get(1)?.varint ?? 0n) === 1n;
      if (isString) return get(3) ? str(get(3) as RawField) : '';
      return Number(BigInt.asIntN(32, get(2)?.varint ?? 0n));
    }
    case 'Quantity': {
      const s = get(1);
      return s && s.bytes && s.bytes.length > 0 ? str(s) : '0';
    }
    case 'FieldsV1': {
      const raw = get(1);
      return raw?.bytes?.length ? (JSON.parse(utf8.decode(raw.bytes)) as Json) : {};
    }
    default:
      throw new WireError(`unknown special type ${type}`);
  }
}

function value(spec: FieldSpec, f: RawField): Json {
  if (scalarTypes.has(spec.type)) return scalar(spec.type, f);
  if (specialTypes.has(spec.type)) return special(spec.type, f.bytes);
  return decodeMessage(spec.type, f.bytes ?? new Uint8Array());
}

function repeatedValues(spec: FieldSpec, raws: RawField[]): Json[] {
  const out: Json[] = [];
  for (const f of raws) {
    if (f.wireType === 2 && (spec.type === 'int32' || spec.type === 'int64' || spec.type === 'bool')) {
      for (const v of readPackedVarints(f.bytes ?? new Uint8Array())) out.push(scalar(spec.type, { ...f, varint: v }));
    } else {
      out.push(value(spec, f));
    }
  }
  return out;
}

function mapValue(spec: FieldSpec, raws: RawField[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const entry of raws) {
    const parts = readFields(entry.bytes ?? new Uint8Array());
    const k = parts.filter((p) => p.field === 1).at(-1);
    const v = parts.filter((p) => p.field === 2).at(-1);
    const key = k ? str(k) : '';
    out[key] = v ? value(spec, v) : scalarTypes.has(spec.type) ? zeroOf(spec.type) : value(spec, { field: 2, wireType: 2, bytes: new Uint8Array() });
  }
  return out;
}

/** A field's JSON value, or undefined when Go's JSON encoder would omit it. */
function fieldJson(spec: FieldSpec, raws: RawField[]): Json | undefined {
  if (spec.map) {
    if (raws.length === 0) return spec.keepEmpty ? null : undefined;
    return mapValue(spec, raws);
  }
  if (spec.repeated) {
    const values = repeatedValues(spec, raws);
    if (values.length === 0) return spec.keepEmpty ? null : undefined;
    return values;
  }
  const last = raws.at(-1);
  const isScalar = scalarTypes.has(spec.type);
  if (!last) {
    if (spec.pointer) return spec.keepEmpty ? null : undefined;
    // Non-pointer struct-typed fields are never omitted by encoding/json.
    if (spec.type === 'Time' || spec.type === 'MicroTime') return null;
    if (spec.type === 'IntOrString') return 0;
    if (spec.type === 'Quantity') return '0';
    return isScalar && spec.keepEmpty ? zeroOf(spec.type) : undefined;
  }
  const v = value(spec, last);
  if (isScalar && !spec.pointer && !spec.keepEmpty && isZero(v)) return undefined;
  return v;
}

function decodeWith(table: MessageTable, buf: Uint8Array): { [k: string]: Json } {
  const byField = new Map<number, RawField[]>();
  for (const f of readFields(buf)) {
    const list = byField.get(f.field);
    if (list) list.push(f);
    else byField.set(f.field, [f]);
  }
  const out: { [k: string]: Json } = {};
  for (const [num, spec] of table) {
    const raws = byField.get(num) ?? [];
    if (spec.inline) {
      const last = raws.at(-1);
      if (last) Object.assign(out, decodeMessage(spec.type, last.bytes ?? new Uint8Array()));
      continue;
    }
    const v = fieldJson(spec, raws);
    if (v !== undefined) out[spec.name] = v;
  }
  return out;
}

/** decodeMessage decodes one message by its table name into Go-JSON-shaped data. */
export function decodeMessage(name: string, buf: Uint8Array): { [k: string]: Json } {
  const table = messageTables.get(name);
  if (!table) throw new WireError(`no protobuf table for message ${name}`);
  return decodeWith(table, buf);
}

/** The decoded runtime.Unknown envelope. */
export interface ProtobufEnvelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/** decodeEnvelope checks the magic and splits the runtime.Unknown wrapper. */
export function decodeEnvelope(buf: Uint8Array): ProtobufEnvelope {
  if (buf.length < 4 || protobufMagic.some((b, i) => buf[i] !== b)) {
    throw new WireError('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  }
  const env: ProtobufEnvelope = { apiVersion: '', kind: '', raw: new Uint8Array(), contentEncoding: '', contentType: '' };
  for (const f of readFields(buf.subarray(4))) {
    if (f.field === 1) {
      for (const t of readFields(f.bytes ?? new Uint8Array())) {
        if (t.field === 1) env.apiVersion = str(t);
        if (t.field === 2) env.kind = str(t);
      }
    } else if (f.field === 2) env.raw = f.bytes ?? new Uint8Array();
    else if (f.field === 3) env.contentEncoding = str(f);
    else if (f.field === 4) env.contentType = str(f);
  }
  return env;
}

/** isKubernetesProtobuf reports whether a body starts with the `k8s\0` magic. */
export function isKubernetesProtobuf(buf: Uint8Array): boolean {
  return buf.length >= 4 && protobufMagic.every((b, i) => buf[i] === b);
}

/**
 * decodeKubernetesProtobuf turns a kubectl protobuf body into the equivalent JSON object
 * (`{kind, apiVersion, metadata, spec, ...}`). Throws a BadRequest StatusError on malformed input
 * or a kind nanokube has no table for.
 */
export function decodeKubernetesProtobuf(buf: Uint8Array): Record<string, unknown> {
  try {
    const env = decodeEnvelope(buf);
    if (env.contentEncoding) throw new WireError(`unsupported content encoding "${env.contentEncoding}"`);
    const message = topLevelKinds[`${env.apiVersion}/${env.kind}`];
    if (!message) throw new WireError(`no kind "${env.kind}" is registered for version "${env.apiVersion}"`);
    return { kind: env.kind, apiVersion: env.apiVersion, ...decodeMessage(message, env.raw) };
  } catch (e) {
    if (e instanceof StatusError) throw e;
    if (e instanceof WireError || e instanceof SyntaxError || e instanceof RangeError) throw newBadRequest(e.message);
    throw e;
  }
}

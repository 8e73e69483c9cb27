/**
 * decode turns etcd gateway JSON (grpc-gateway's proto3 JSON mapping) into the store's request
 * types: proto field names or their lowerCamelCase JSON names, int64 as string or number, bytes as
 * base64, enums by name or number, null as absent. Unknown fields are ignored, as the gateway does.
 * Errors carry Go's wording so clients see the messages etcd gives.
 */
import { GrpcCode, RpcError } from '../errors.js';
import { decodeBase64 } from './base64.js';

type Scalar = 'key' | 'bytes' | 'int64' | 'id64' | 'bool';
interface EnumType {
  enum: string;
  values: readonly string[];
}
interface MessageRef {
  message: () => MessageSchema;
}
interface RepeatedType {
  repeated: Scalar | EnumType | MessageRef;
}
type FieldType = Scalar | EnumType | MessageRef | RepeatedType;

/** MessageSchema maps proto field names to the decoded property and its type. */
export type MessageSchema = Record<string, FieldType>;

const invalid = (msg: string): RpcError => new RpcError(GrpcCode.InvalidArgument, msg);

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

const fieldIndexCache = new WeakMap<MessageSchema, Map<string, [string, FieldType]>>();

function fieldIndex(schema: MessageSchema): Map<string, [string, FieldType]> {
  let idx = fieldIndexCache.get(schema);
  if (idx === undefined) {
    idx = new Map();
    for (const [name, type] of Object.entries(schema)) {
      const prop = camel(name);
      idx.set(name, [prop, type]);
      idx.set(prop, [prop, type]);
    }
    fieldIndexCache.set(schema, idx);
  }
  return idx;
}

/** decodeMessage decodes a parsed JSON value against schema. */
export function decodeMessage<T>(schema: MessageSchema, json: unknown): T {
  if (json === null || json === undefined) json = {};
  if (jsonKind(json) !== 'object') {
    throw invalid(`json: cannot unmarshal ${jsonKind(json)} into Go value of type map[string]json.RawMessage`);
  }
  const idx = fieldIndex(schema);
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    const field = idx.get(name);
    if (field === undefined || raw === null) continue;
    out[field[0]] = decodeValue(field[1], raw);
  }
  // proto3: an absent key is the empty key (which the store then rejects by name).
  if (schema['key'] === 'key' && out['key'] === undefined) out['key'] = '';
  return out as T;
}

function decodeValue(type: FieldType, v: unknown): unknown {
  if (typeof type === 'string') return decodeScalar(type, v);
  if ('enum' in type) return decodeEnum(type, v);
  if ('message' in type) return decodeMessage(type.message(), v);
  if (!Array.isArray(v)) throw invalid(`json: cannot unmarshal ${jsonKind(v)} into Go value of type []json.RawMessage`);
  return v.map((item) => decodeValue(type.repeated, item));
}

function decodeScalar(type: Scalar, v: unknown): unknown {
  switch (type) {
    case 'key':
    case 'bytes': {
      if (typeof v !== 'string') throw invalid(`json: cannot unmarshal ${jsonKind(v)} into Go value of type []uint8`);
      const b = decodeBase64(v);
      return type === 'key' ? b.toString('latin1') : b;
    }
    case 'bool':
      if (typeof v !== 'boolean') throw invalid(`json: cannot unmarshal ${jsonKind(v)} into Go value of type bool`);
      return v;
    case 'int64':
      return Number(decodeInt64(v));
    case 'id64':
      return decodeInt64(v);
  }
}

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

function decodeInt64(v: unknown): bigint {
  let text: string;
  if (typeof v === 'number') text = String(v);
  else if (typeof v === 'string') text = v;
  else throw invalid(`json: cannot unmarshal ${jsonKind(v)} into Go value of type int64`);
  if (!/^-?\d+$/.test(text)) {
    if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text)) {
      throw invalid(`json: cannot unmarshal number ${text} into Go value of type int64`);
    }
    throw invalid(`invalid character '${text.trim()[0] ?? ''}' looking for beginning of value`);
  }
  const n = BigInt(text);
  if (n < int64Min || n > int64Max) throw invalid(`json: cannot unmarshal number ${text} into Go value of type int64`);
  return n;
}

function decodeEnum(type: EnumType, v: unknown): string {
  if (typeof v === 'string') {
    if (type.values.includes(v)) return v;
  } else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < type.values.length) {
    return type.values[v]!;
  }
  throw invalid(`unknown value ${JSON.stringify(v)} for enum ${type.enum}`);
}

/** parseJson parses a request body; malformed JSON is an InvalidArgument error. */
export function parseJson(body: string): unknown {
  if (body.trim() === '') return null;
  try {
    return JSON.parse(body);
  } catch {
    throw invalid(jsonSyntaxMessage(body));
  }
}

/** jsonSyntaxMessage approximates Go's message for malformed JSON. */
export function jsonSyntaxMessage(text: string): string {
  const first = text.trimStart()[0];
  if (first !== undefined && !'{["-0123456789tfn'.includes(first)) {
    return `invalid character '${first}' looking for beginning of value`;
  }
  return 'unexpected EOF';
}

const sortOrder: EnumType = { enum: 'etcdserverpb.RangeRequest_SortOrder', values: ['NONE', 'ASCEND', 'DESCEND'] };
const sortTarget: EnumType = {
  enum: 'etcdserverpb.RangeRequest_SortTarget',
  values: ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'],
};
const compareResult: EnumType = {
  enum: 'etcdserverpb.Compare_CompareResult',
  values: ['EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'],
};
const compareTarget: EnumType = {
  enum: 'etcdserverpb.Compare_CompareTarget',
  values: ['VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE'],
};
const filterType: EnumType = { enum: 'etcdserverpb.WatchCreateRequest_FilterType', values: ['NOPUT', 'NODELETE'] };

type SchemaName =
  | 'range'
  | 'put'
  | 'deleteRange'
  | 'compare'
  | 'requestOp'
  | 'txn'
  | 'compaction'
  | 'leaseGrant'
  | 'leaseId'
  | 'leaseTimeToLive'
  | 'watchCreate'
  | 'watch'
  | 'watchCancel';

/** Schemas of the etcd v3 requests served by the gateway. */
export const schemas: Record<SchemaName, MessageSchema> = {
  range: {
    key: 'key',
    range_end: 'key',
    limit: 'int64',
    revision: 'int64',
    sort_order: sortOrder,
    sort_target: sortTarget,
    serializable: 'bool',
    keys_only: 'bool',
    count_only: 'bool',
    min_mod_revision: 'int64',
    max_mod_revision: 'int64',
    min_create_revision: 'int64',
    max_create_revision: 'int64',
  },
  put: { key: 'key', value: 'bytes', lease: 'id64', prev_kv: 'bool', ignore_value: 'bool', ignore_lease: 'bool' },
  deleteRange: { key: 'key', range_end: 'key', prev_kv: 'bool' },
  compare: {
    result: compareResult,
    target: compareTarget,
    key: 'key',
    version: 'int64',
    create_revision: 'int64',
    mod_revision: 'int64',
    value: 'bytes',
    lease: 'id64',
    range_end: 'key',
  },
  requestOp: {
    request_range: { message: () => schemas.range },
    request_put: { message: () => schemas.put },
    request_delete_range: { message: () => schemas.deleteRange },
    request_txn: { message: () => schemas.txn },
  },
  txn: {
    compare: { repeated: { message: () => schemas.compare } },
    success: { repeated: { message: () => schemas.requestOp } },
    failure: { repeated: { message: () => schemas.requestOp } },
  },
  compaction: { revision: 'int64', physical: 'bool' },
  leaseGrant: { TTL: 'int64', ID: 'id64' },
  leaseId: { ID: 'id64' },
  leaseTimeToLive: { ID: 'id64', keys: 'bool' },
  watchCreate: {
    key: 'key',
    range_end: 'key',
    start_revision: 'int64',
    progress_notify: 'bool',
    filters: { repeated: filterType },
    prev_kv: 'bool',
    watch_id: 'int64',
    fragment: 'bool',
  },
  watch: {
    create_request: { message: () => schemas.watchCreate },
    cancel_request: { message: () => schemas.watchCancel },
    progress_request: { message: () => ({}) },
  },
  watchCancel: { watch_id: 'int64' },
};

/**
 * Encodes a Swagger 2.0 JSON document as the gnostic protobuf message `openapi.v2.Document`
 * (github.com/google/gnostic-models openapiv2/OpenAPIv2.proto), the only form client-go's
 * `OpenAPISchema()` accepts (`Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`).
 * Vendor extensions and enum/default values travel as `Any{yaml}`; JSON is valid YAML.
 */
import type { Schema } from './schemas.js';

/** Protobuf wire writer for one message: fields appended in order. */
class Msg {
  private readonly parts: Buffer[] = [];

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  private varint(n: number): void {
    const bytes: number[] = [];
    let v = n;
    while (v > 0x7f) {
      bytes.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.parts.push(Buffer.from(bytes));
  }

  str(field: number, s: unknown): this {
    if (typeof s !== 'string' || s === '') return this;
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }

  strs(field: number, list: unknown): this {
    if (Array.isArray(list)) for (const s of list) this.bytes(field, Buffer.from(String(s), 'utf8'));
    return this;
  }

  bool(field: number, b: unknown): this {
    if (b !== true) return this;
    this.tag(field, 0);
    this.varint(1);
    return this;
  }

  int(field: number, n: unknown): this {
    if (typeof n !== 'number' || n <= 0) return this;
    this.tag(field, 0);
    this.varint(Math.trunc(n));
    return this;
  }

  double(field: number, n: unknown): this {
    if (typeof n !== 'number') return this;
    this.tag(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(n);
    this.parts.push(b);
    return this;
  }

  msg(field: number, m: Msg | undefined): this {
    return m ? this.bytes(field, m.build()) : this;
  }

  private bytes(field: number, b: Buffer): this {
    this.tag(field, 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }

  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function anyYaml(value: unknown): Msg {
  return new Msg().str(2, `${JSON.stringify(value)}\n`);
}

function vendorExtensions(m: Msg, field: number, obj: Schema): void {
  for (const [k, v] of Object.entries(obj)) {
    if (k.startsWith('x-')) m.msg(field, new Msg().str(1, k).msg(2, anyYaml(v)));
  }
}

function schema(s: Schema): Msg {
  const m = new Msg().str(1, s['$ref']).str(2, s['format']).str(3, s['title']).str(4, s['description']);
  if (s['default'] !== undefined) m.msg(5, anyYaml(s['default']));
  m.double(7, s['maximum']).double(9, s['minimum']).int(11, s['maxLength']).int(12, s['minLength']).str(13, s['pattern']);
  m.bool(16, s['uniqueItems']).strs(19, s['required']);
  if (Array.isArray(s['enum'])) for (const e of s['enum']) m.msg(20, anyYaml(e));
  const ap = s['additionalProperties'];
  if (typeof ap === 'boolean') m.msg(21, new Msg().bool(2, ap));
  else if (ap && typeof ap === 'object') m.msg(21, new Msg().msg(1, schema(ap as Schema)));
  if (typeof s['type'] === 'string') m.msg(22, new Msg().strs(1, [s['type']]));
  if (s['items'] && typeof s['items'] === 'object') m.msg(23, new Msg().msg(1, schema(s['items'] as Schema)));
  const props = s['properties'] as Record<string, Schema> | undefined;
  if (props) {
    const p = new Msg();
    for (const [name, sub] of Object.entries(props)) p.msg(1, new Msg().str(1, name).msg(2, schema(sub)));
    m.msg(25, p);
  }
  vendorExtensions(m, 31, s);
  return m;
}

function parameter(p: Schema): Msg {
  if (p['in'] === 'body') {
    const body = new Msg().str(1, p['description']).str(2, p['name']).str(3, 'body').bool(4, p['required']);
    body.msg(5, schema((p['schema'] ?? {}) as Schema));
    return new Msg().msg(1, new Msg().msg(1, body));
  }
  const path = p['in'] === 'path';
  // Query and path sub-schemas share fields 1-4; type and uniqueItems differ by one position.
  const sub = new Msg().bool(1, p['required']).str(2, p['in']).str(3, p['description']).str(4, p['name']);
  sub.str(path ? 5 : 6, p['type']).bool(path ? 19 : 20, p['uniqueItems']);
  return new Msg().msg(1, new Msg().msg(2, new Msg().msg(path ? 4 : 3, sub)));
}

function operation(op: Schema): Msg {
  const m = new Msg().strs(1, op['tags']).str(3, op['description']).str(5, op['operationId']);
  m.strs(6, op['produces']).strs(7, op['consumes']);
  for (const p of (op['parameters'] ?? []) as Schema[]) m.msg(8, parameter(p));
  const responses = new Msg();
  for (const [code, r] of Object.entries((op['responses'] ?? {}) as Record<string, Schema>)) {
    const resp = new Msg().str(1, r['description']);
    if (r['schema']) resp.msg(2, new Msg().msg(1, schema(r['schema'] as Schema)));
    responses.msg(1, new Msg().str(1, code).msg(2, new Msg().msg(1, resp)));
  }
  m.msg(9, responses).strs(10, op['schemes']);
  vendorExtensions(m, 13, op);
  return m;
}

const methodFields: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

function pathItem(item: Record<string, unknown>): Msg {
  const m = new Msg();
  for (const [method, field] of Object.entries(methodFields)) {
    const op = item[method];
    if (op) m.msg(field, operation(op as Schema));
  }
  for (const p of (item['parameters'] ?? []) as Schema[]) m.msg(9, parameter(p));
  return m;
}

/** encodeV2Document returns the protobuf encoding of a Swagger 2.0 document built by buildV2Document. */
export function encodeV2Document(doc: Schema): Buffer {
  const info = doc['info'] as Schema;
  const paths = new Msg();
  for (const [path, item] of Object.entries(doc['paths'] as Record<string, Record<string, unknown>>)) {
    paths.msg(2, new Msg().str(1, path).msg(2, pathItem(item)));
  }
  const defs = new Msg();
  for (const [name, s] of Object.entries(doc['definitions'] as Record<string, Schema>)) defs.msg(1, new Msg().str(1, name).msg(2, schema(s)));
  const security = new Msg().msg(1, new Msg().str(1, 'BearerToken').msg(2, new Msg()));
  const apiKey = new Msg().str(1, 'apiKey').str(2, 'authorization').str(3, 'header').str(4, 'Bearer Token authentication');
  const secDefs = new Msg().msg(1, new Msg().str(1, 'BearerToken').msg(2, new Msg().msg(2, apiKey)));
  return new Msg()
    .str(1, doc['swagger'])
    .msg(2, new Msg().str(1, info['title']).str(2, info['version']))
    .msg(8, paths)
    .msg(9, defs)
    .msg(12, security)
    .msg(13, secDefs)
    .build();
}

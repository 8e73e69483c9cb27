/**
 * Type checking of objects against the OpenAPI schemas: what upstream's typed decoding rejects with
 * `json: cannot unmarshal number into Go struct field ConfigMap.data of type string`. Objects that
 * pass JSON parsing but have the wrong shape (a number in `data`, a list as `metadata.name`, a string as
 * `spec.ports`) must be refused with 400 before defaulting and validation, which assume the types.
 * null is always accepted (it decodes to the zero value, which null map values are replaced with);
 * unknown fields are unknown-fields.ts's business.
 */
import { k8sDefinitions, refName, schemaNameFor, type Schema } from './schemas.js';

type Scalar = 'string' | 'integer' | 'number' | 'boolean' | 'int-or-string' | 'quantity';

/** A compiled schema: the type expected at one place in an object. */
type TypeNode =
  | { type: 'object'; fields: Map<string, TypeNode> }
  | { type: 'map'; values: TypeNode }
  | { type: 'array'; items: TypeNode }
  | { type: 'scalar'; scalar: Scalar }
  | { type: 'any' };

const anyNode: TypeNode = { type: 'any' };
const compiled = new Map<string, TypeNode>();
const quantitySchema = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

function compileNamed(name: string): TypeNode {
  const hit = compiled.get(name);
  if (hit) return hit;
  if (name === quantitySchema) return { type: 'scalar', scalar: 'quantity' };
  const schema = k8sDefinitions()[name];
  if (!schema) return anyNode;
  const props = schema['properties'] as Record<string, Schema> | undefined;
  if (!props || schema['x-kubernetes-preserve-unknown-fields'] === true) {
    const node = compile(schema);
    compiled.set(name, node);
    return node;
  }
  // Recursive schemas (JSONSchemaProps) share their node while it is being filled.
  const fields = new Map<string, TypeNode>();
  const node: TypeNode = { type: 'object', fields };
  compiled.set(name, node);
  for (const [field, sub] of Object.entries(props)) fields.set(field, compile(sub));
  return node;
}

function compile(schema: Schema): TypeNode {
  const ref = refName(schema);
  if (ref) return compileNamed(ref);
  if (schema['x-kubernetes-preserve-unknown-fields'] === true || schema['x-kubernetes-int-or-string'] === true) {
    return schema['x-kubernetes-int-or-string'] === true ? { type: 'scalar', scalar: 'int-or-string' } : anyNode;
  }
  const type = schema['type'];
  if (schema['format'] === 'int-or-string') return { type: 'scalar', scalar: 'int-or-string' };
  if (type === 'array') return schema['items'] ? { type: 'array', items: compile(schema['items'] as Schema) } : anyNode;
  const props = schema['properties'] as Record<string, Schema> | undefined;
  if (props) return { type: 'object', fields: new Map(Object.entries(props).map(([k, v]) => [k, compile(v)])) };
  const additional = schema['additionalProperties'];
  if (additional && typeof additional === 'object') return { type: 'map', values: compile(additional as Schema) };
  if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') return { type: 'scalar', scalar: type };
  return anyNode;
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

function goType(node: TypeNode): string {
  if (node.type === 'object') return 'struct';
  if (node.type === 'map') return 'map';
  if (node.type === 'array') return 'slice';
  if (node.type === 'scalar') return { string: 'string', integer: 'int64', number: 'float64', boolean: 'bool', 'int-or-string': 'intstr.IntOrString', quantity: 'resource.Quantity' }[node.scalar];
  return 'interface {}';
}

const zeroValue: Record<Scalar, string | number | boolean> = { string: '', integer: 0, number: 0, boolean: false, 'int-or-string': 0, quantity: '0' };

function scalarOk(scalar: Scalar, value: unknown): boolean {
  switch (scalar) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'int-or-string':
      return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
    case 'quantity':
      return typeof value === 'string' || typeof value === 'number';
  }
}

/** check returns the first type mismatch under `node` as [path, message], or undefined. */
function check(node: TypeNode, value: unknown, path: string): [string, string] | undefined {
  if (value === null || value === undefined || node.type === 'any') return undefined;
  const mismatch = (): [string, string] => [path, `cannot unmarshal ${jsonType(value)} into Go struct field ${path} of type ${goType(node)}`];
  if (node.type === 'scalar') return scalarOk(node.scalar, value) ? undefined : mismatch();
  if (node.type === 'array') {
    if (!Array.isArray(value)) return mismatch();
    for (const item of value) {
      const bad = check(node.items, item, path);
      if (bad) return bad;
    }
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return mismatch();
  for (const [key, v] of Object.entries(value)) {
    const child = node.type === 'map' ? node.values : node.fields.get(key);
    if (!child) continue;
    // A null map value decodes to its type's zero value (`data: {k: null}` stores k: "").
    if (v === null && node.type === 'map' && child.type === 'scalar') {
      (value as Record<string, unknown>)[key] = zeroValue[child.scalar];
      continue;
    }
    const bad = check(child, v, node.type === 'map' ? path : `${path}.${key}`);
    if (bad) return bad;
  }
  return undefined;
}

/**
 * typeError returns upstream's decoding error for the first field of `obj` whose JSON type does not fit
 * the schema of group/version/kind (`json: cannot unmarshal number into Go struct field ConfigMap.data
 * of type string`), or undefined when every field fits. Kinds without a schema accept anything.
 * Null values of scalar maps are replaced with the zero value in place.
 */
export function typeError(gvk: { group: string; version: string; kind: string }, obj: unknown): string | undefined {
  const name = schemaNameFor(gvk);
  if (!name) return undefined;
  const node = compileNamed(name);
  if (node.type !== 'object') return undefined;
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return `json: cannot unmarshal ${jsonType(obj)} into Go value of type ${gvk.kind}`;
  for (const [key, v] of Object.entries(obj)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    const child = node.fields.get(key);
    const bad = child ? check(child, v, `${gvk.kind}.${key}`) : undefined;
    if (bad) return `json: ${bad[1]}`;
  }
  return undefined;
}

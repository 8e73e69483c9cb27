/**
 * omitEmpty: what upstream's typed round trip does to empty collections. A body or patch result is
 * decoded into Go structs and encoded again, and every map or slice field tagged `omitempty` that is
 * empty disappears: `metadata: {annotations: {}}` (what `kubectl diff` and client-side apply send when
 * there is no last-applied annotation) is stored, and answered, without `annotations`.
 *
 * The schemas tell which fields are maps or lists; the ones that are required, and the few optional
 * ones without `omitempty` upstream (Role.rules, EndpointSlice.endpoints and ports, projected
 * volume sources), keep an empty value. Empty strings, zeros and empty structs are left alone: whether
 * upstream drops those depends on Go pointer types the schemas do not record.
 */
import { k8sDefinitions, refName, schemaNameFor, type Schema } from '../../openapi/schemas.js';

/** A compiled schema: where empty collections may be dropped. */
type Node =
  | { type: 'object'; fields: Map<string, Field> }
  | { type: 'map'; values: Node }
  | { type: 'array'; items: Node }
  | { type: 'leaf' };

interface Field {
  node: Node;
  /** The field is an optional map or list with `omitempty`: an empty value is dropped. */
  omitEmpty: boolean;
}

const leaf: Node = { type: 'leaf' };

/** Optional collection fields that upstream's Go types declare without `omitempty` (schema name -> fields). */
const keptWhenEmpty: Record<string, string[]> = {
  'io.k8s.api.rbac.v1.Role': ['rules'],
  'io.k8s.api.rbac.v1.ClusterRole': ['rules'],
  'io.k8s.api.discovery.v1.EndpointSlice': ['endpoints', 'ports'],
  'io.k8s.api.core.v1.ProjectedVolumeSource': ['sources'],
};

const compiled = new Map<string, Node>();
const byKind = new Map<string, Node>();

function compileNamed(name: string): Node {
  const hit = compiled.get(name);
  if (hit) return hit;
  const schema = k8sDefinitions()[name];
  const props = schema?.['properties'] as Record<string, Schema> | undefined;
  if (!schema || !props || Object.keys(props).length === 0 || schema['x-kubernetes-preserve-unknown-fields'] === true) {
    const node = schema ? compile(schema) : leaf;
    compiled.set(name, node);
    return node;
  }
  // Recursive schemas share their node while it is being filled.
  const fields = new Map<string, Field>();
  const node: Node = { type: 'object', fields };
  compiled.set(name, node);
  fillFields(fields, props, schema, name);
  return node;
}

function fillFields(fields: Map<string, Field>, props: Record<string, Schema>, schema: Schema, name: string | undefined): void {
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  const kept = new Set(name ? (keptWhenEmpty[name] ?? []) : []);
  for (const [field, sub] of Object.entries(props)) {
    const node = compile(sub);
    const collection = node.type === 'map' || node.type === 'array';
    fields.set(field, { node, omitEmpty: collection && !required.has(field) && !kept.has(field) });
  }
}

function compile(schema: Schema): Node {
  const ref = refName(schema);
  if (ref) return compileNamed(ref);
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return leaf;
  if (schema['type'] === 'array') return schema['items'] ? { type: 'array', items: compile(schema['items'] as Schema) } : leaf;
  const props = schema['properties'] as Record<string, Schema> | undefined;
  // An object without declared properties (FieldsV1) is opaque: anything goes.
  if (props && Object.keys(props).length > 0) {
    const fields = new Map<string, Field>();
    fillFields(fields, props, schema, undefined);
    return { type: 'object', fields };
  }
  const additional = schema['additionalProperties'];
  if (additional && typeof additional === 'object') return { type: 'map', values: compile(additional as Schema) };
  return leaf;
}

function nodeOfKind(group: string, version: string, kind: string): Node {
  const key = `${group}/${version}/${kind}`;
  let node = byKind.get(key);
  if (!node) {
    const name = schemaNameFor({ group, version, kind });
    node = name ? compileNamed(name) : leaf;
    byKind.set(key, node);
  }
  return node;
}

function isEmptyCollection(v: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && v !== null && Object.keys(v).length === 0;
}

/** prune returns `value` without empty omitempty collections; unchanged subtrees are returned as is. */
function prune(node: Node, value: unknown, dropUnknown: boolean): unknown {
  if (value === null || typeof value !== 'object' || node.type === 'leaf') return value;
  if (node.type === 'array') {
    if (!Array.isArray(value)) return value;
    let out: unknown[] | undefined;
    value.forEach((item, i) => {
      const next = prune(node.items, item, dropUnknown);
      if (next !== item) (out ??= [...value])[i] = next;
    });
    return out ?? value;
  }
  if (Array.isArray(value)) return value;
  const obj = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const [key, v] of Object.entries(obj)) {
    if (node.type === 'map') {
      const next = prune(node.values, v, dropUnknown);
      if (next !== v) (out ??= { ...obj })[key] = next;
      continue;
    }
    const field = node.fields.get(key);
    if (!field) {
      if (dropUnknown && key !== 'apiVersion' && key !== 'kind') {
        out ??= { ...obj };
        delete out[key];
      }
      continue;
    }
    if (field.omitEmpty && isEmptyCollection(v)) {
      out ??= { ...obj };
      delete out[key];
      continue;
    }
    const next = prune(field.node, v, dropUnknown);
    if (next !== v) (out ??= { ...obj })[key] = next;
  }
  return out ?? value;
}

/**
 * omitEmpty returns `obj` (of kind group/version/kind) without its empty optional maps and lists, at
 * any depth, and with `dropUnknown` also without the fields its schema does not define (what typed
 * decoding of a patch result loses). `obj` is never modified (it may share frozen parts of a stored
 * object); when nothing is dropped the same reference comes back. Kinds without a schema, and values
 * under `x-kubernetes-preserve-unknown-fields`, are returned unchanged.
 */
export function omitEmpty<T>(gvk: { group: string; version: string; kind: string }, obj: T, opts: { dropUnknown?: boolean } = {}): T {
  return prune(nodeOfKind(gvk.group, gvk.version, gvk.kind), obj, opts.dropUnknown ?? false) as T;
}

/**
 * omitEmptyInPlace is omitEmpty for an object the caller owns at the top level: its top-level fields
 * are replaced by their pruned copies (nested values are never modified in place).
 */
export function omitEmptyInPlace(gvk: { group: string; version: string; kind: string }, obj: Record<string, unknown>): void {
  const pruned = omitEmpty(gvk, obj);
  if (pruned === obj) return;
  for (const key of Object.keys(obj)) {
    if (!(key in pruned)) delete obj[key];
    else if (pruned[key] !== obj[key]) obj[key] = pruned[key];
  }
}

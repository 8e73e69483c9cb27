/**
 * Unknown-field detection for `fieldValidation=Strict|Warn`: the paths upstream's strict decoder reports
 * as `unknown field "spec.template.spec.containers[0].imagee"`. Each schema is compiled once into a
 * tree of known fields; checking an object is one walk over it.
 */
import type { KubeObject, ResourceDefinition } from '../registry/types.js';
import { k8sDefinitions, refName, schemaNameFor, type Schema } from './schemas.js';

/** A compiled schema: what may appear at one place in an object. */
type FieldNode =
  | { type: 'object'; fields: Map<string, FieldNode> }
  | { type: 'map'; values: FieldNode }
  | { type: 'array'; items: FieldNode }
  | { type: 'any' };

const anyNode: FieldNode = { type: 'any' };
const compiled = new Map<string, FieldNode>();

/** compileNamed compiles a named schema; recursive schemas share their (possibly unfinished) node. */
function compileNamed(name: string): FieldNode {
  const hit = compiled.get(name);
  if (hit) return hit;
  const schema = k8sDefinitions()[name];
  if (!schema) return anyNode;
  const props = schema['properties'] as Record<string, Schema> | undefined;
  // An object without declared properties (FieldsV1, the managedFields sets) is opaque: anything goes.
  if (!props || Object.keys(props).length === 0 || schema['x-kubernetes-preserve-unknown-fields'] === true) {
    const node = compile(schema);
    compiled.set(name, node);
    return node;
  }
  const fields = new Map<string, FieldNode>();
  const node: FieldNode = { type: 'object', fields };
  compiled.set(name, node);
  for (const [field, sub] of Object.entries(props)) fields.set(field, compile(sub));
  return node;
}

function compile(schema: Schema): FieldNode {
  const ref = refName(schema);
  if (ref) return compileNamed(ref);
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return anyNode;
  if (schema['type'] === 'array' && schema['items']) return { type: 'array', items: compile(schema['items'] as Schema) };
  const props = schema['properties'] as Record<string, Schema> | undefined;
  if (props && Object.keys(props).length > 0) return { type: 'object', fields: new Map(Object.entries(props).map(([k, v]) => [k, compile(v)])) };
  const additional = schema['additionalProperties'];
  if (additional && typeof additional === 'object') return { type: 'map', values: compile(additional as Schema) };
  return anyNode;
}

function walk(node: FieldNode, value: unknown, path: string, out: string[]): void {
  if (value === null || typeof value !== 'object') return;
  if (node.type === 'array') {
    if (Array.isArray(value)) value.forEach((item, i) => walk(node.items, item, `${path}[${i}]`, out));
    return;
  }
  if (Array.isArray(value)) return;
  if (node.type === 'map') {
    for (const [key, v] of Object.entries(value)) walk(node.values, v, `${path}[${key}]`, out);
  } else if (node.type === 'object') {
    for (const [key, v] of Object.entries(value)) {
      const child = node.fields.get(key);
      const childPath = path === '' ? key : `${path}.${key}`;
      if (child) walk(child, v, childPath, out);
      else out.push(childPath);
    }
  }
}

/**
 * unknownFields returns the paths of fields in `obj` that the schema of `def`'s kind at `version` does
 * not define, in document order (`spec.foo`, `spec.template.spec.containers[0].imagee`, map values as
 * `metadata.annotations[key]`). apiVersion and kind are always known. A kind without a schema, and
 * fields under `x-kubernetes-preserve-unknown-fields` (RawExtension, JSON), accept anything.
 */
export function unknownFields(def: ResourceDefinition, version: string, obj: KubeObject | Record<string, unknown>): string[] {
  return unknownFieldsOfKind({ group: def.group, version, kind: def.kind }, obj);
}

/** unknownFieldsOfKind is unknownFields for any kind by group/version/kind (e.g. autoscaling/v1 Scale). */
export function unknownFieldsOfKind(gvk: { group: string; version: string; kind: string }, obj: unknown): string[] {
  const name = schemaNameFor(gvk);
  if (!name) return [];
  const out: string[] = [];
  const node = compileNamed(name);
  if (node.type !== 'object' || obj === null || typeof obj !== 'object' || Array.isArray(obj)) return out;
  for (const [key, v] of Object.entries(obj)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    const child = node.fields.get(key);
    if (child) walk(child, v, key, out);
    else out.push(key);
  }
  return out;
}

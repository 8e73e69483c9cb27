/**
 * Access to the generated Kubernetes API schemas (`k8s-schemas.generated.ts`, see generate.ts for the
 * sources). Schemas are OpenAPI v3 component schemas as upstream serves them: references are
 * `#/components/schemas/<name>`, property references are wrapped in `allOf` next to their description.
 */
import { k8sSchemasJson } from './k8s-schemas.generated.js';

/** Schema is one OpenAPI v3 schema object (JSON). */
export type Schema = Record<string, unknown>;

/** GroupVersionKind as upstream writes it in `x-kubernetes-group-version-kind`. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

const refPrefix = '#/components/schemas/';

let loaded: { definitions: Record<string, Schema>; byGvk: Map<string, string> } | undefined;

function load(): { definitions: Record<string, Schema>; byGvk: Map<string, string> } {
  if (loaded) return loaded;
  const data = JSON.parse(k8sSchemasJson) as { definitions: Record<string, Schema> };
  const byGvk = new Map<string, string>();
  for (const [name, schema] of Object.entries(data.definitions)) {
    for (const gvk of gvksOf(schema)) byGvk.set(gvkKey(gvk), name);
  }
  loaded = { definitions: data.definitions, byGvk };
  return loaded;
}

function gvkKey(gvk: GroupVersionKind): string {
  return `${gvk.group}/${gvk.version}/${gvk.kind}`;
}

/** gvksOf returns the `x-kubernetes-group-version-kind` entries of a schema. */
export function gvksOf(schema: Schema): GroupVersionKind[] {
  const v = schema['x-kubernetes-group-version-kind'];
  return Array.isArray(v) ? (v as GroupVersionKind[]) : [];
}

/** k8sDefinitions returns every known schema by its upstream name (`io.k8s.api.apps.v1.Deployment`). */
export function k8sDefinitions(): Readonly<Record<string, Schema>> {
  return load().definitions;
}

/** schemaNameFor returns the upstream schema name of a kind, or undefined for an unknown kind. */
export function schemaNameFor(gvk: GroupVersionKind): string | undefined {
  return load().byGvk.get(gvkKey(gvk));
}

/** refName returns the schema name a `$ref` (possibly wrapped in `allOf`) points to. */
export function refName(schema: Schema): string | undefined {
  const direct = schema['$ref'];
  if (typeof direct === 'string') return direct.startsWith(refPrefix) ? direct.slice(refPrefix.length) : undefined;
  const allOf = schema['allOf'];
  if (Array.isArray(allOf) && allOf.length === 1) return refName(allOf[0] as Schema);
  return undefined;
}

/** resolve follows a property's reference to the named schema (or returns the schema itself). */
export function resolve(schema: Schema): Schema {
  const name = refName(schema);
  return name ? (load().definitions[name] ?? {}) : schema;
}

/** refsOf returns the names of every schema referenced anywhere inside a schema (not transitively). */
export function refsOf(schema: Schema): string[] {
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string' && x.startsWith(refPrefix)) out.push(x.slice(refPrefix.length));
        else visit(x);
      }
    }
  };
  visit(schema);
  return out;
}

/**
 * fieldSchema returns the schema of the field at `path` inside a kind (`['spec', 'template', 'spec',
 * 'containers']`), following references, array items (a numeric or `*` segment, or none) and map
 * values. The strategic-merge-patch and apply code read `x-kubernetes-patch-merge-key`,
 * `x-kubernetes-patch-strategy` and `x-kubernetes-list-type` from the result. Undefined when unknown.
 */
export function fieldSchema(gvk: GroupVersionKind, path: readonly string[]): Schema | undefined {
  const name = schemaNameFor(gvk);
  let cur: Schema | undefined = name ? load().definitions[name] : undefined;
  for (const seg of path) {
    if (!cur) return undefined;
    const s: Schema = resolve(cur);
    const props = s['properties'] as Record<string, Schema> | undefined;
    if (s['type'] === 'array' && (seg === '*' || /^\d+$/.test(seg))) cur = s['items'] as Schema | undefined;
    else if (props?.[seg]) cur = props[seg];
    else if (s['additionalProperties'] && typeof s['additionalProperties'] === 'object') cur = s['additionalProperties'] as Schema;
    else return undefined;
  }
  return cur;
}

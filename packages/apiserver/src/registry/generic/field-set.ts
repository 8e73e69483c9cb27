/**
 * Field sets in the FieldsV1 shape of server-side apply, simplified: a set of paths, each a list of
 * path elements `f:<field>` (map field) or `k:{"name":"x"}` (list item by merge key). Lists whose
 * items have no known merge key are atomic (owned as one leaf). The tree form is what
 * `metadata.managedFields[].fieldsV1` shows: `{"f:spec":{"f:replicas":{}}}`, `"."` marking an
 * owned list item or map that also has owned children.
 */

/** A set of owned paths; each path is its elements joined with `\n` (never in a field name). */
export type FieldSet = Set<string>;

/** Merge keys of keyed lists, in the order they are tried (upstream's patchMergeKey tags). */
const mergeKeys = ['name', 'containerPort', 'port', 'mountPath', 'devicePath', 'ip', 'topologyKey', 'type', 'uid'];

/** Top-level and metadata fields never tracked (upstream strips them before computing sets). */
const ignoredMeta = new Set([
  'name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generateName',
]);

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** itemKey returns the `k:{...}` element of a keyed list item, or undefined for atomic lists. */
function itemKey(item: Json): string | undefined {
  if (!isObject(item)) return undefined;
  for (const k of mergeKeys) {
    const v = item[k];
    if (typeof v === 'string' || typeof v === 'number') {
      // Container ports are keyed by containerPort and protocol upstream.
      if (k === 'containerPort') return `k:${JSON.stringify({ containerPort: v, protocol: item['protocol'] ?? 'TCP' })}`;
      return `k:${JSON.stringify({ [k]: v })}`;
    }
  }
  return undefined;
}

function isKeyedList(list: Json[]): boolean {
  return list.length > 0 && list.every((i) => itemKey(i) !== undefined);
}

function walk(value: Json, path: string[], out: FieldSet): void {
  if (Array.isArray(value)) {
    if (!isKeyedList(value)) {
      out.add(path.join('\n'));
      return;
    }
    for (const item of value) {
      const p = [...path, itemKey(item) as string];
      out.add(p.join('\n'));
      walk(item, p, out);
    }
    return;
  }
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0 && path.length > 0) out.add(path.join('\n'));
    for (const k of keys) {
      if (value[k] === undefined) continue;
      walk(value[k], [...path, `f:${k}`], out);
    }
    return;
  }
  if (path.length > 0) out.add(path.join('\n'));
}

/**
 * fieldSetOf returns the paths an object sets, without apiVersion, kind, system metadata, and
 * `status` (main resource) or everything but `status` (status subresource).
 */
export function fieldSetOf(obj: Record<string, Json>, subresource?: string): FieldSet {
  const out: FieldSet = new Set();
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (subresource === 'status' ? k !== 'status' && k !== 'metadata' : k === 'status') continue;
    if (k === 'metadata' && isObject(v)) {
      for (const [mk, mv] of Object.entries(v)) {
        if (!ignoredMeta.has(mk) && mv !== undefined) walk(mv, ['f:metadata', `f:${mk}`], out);
      }
      continue;
    }
    walk(v, [`f:${k}`], out);
  }
  return out;
}

/** changedFields returns the leaf paths of `next` whose value differs from `prev`'s. */
export function changedFields(prev: Record<string, Json>, next: Record<string, Json>, subresource?: string): FieldSet {
  const out: FieldSet = new Set();
  for (const p of fieldSetOf(next, subresource)) {
    const elems = p.split('\n');
    if (JSON.stringify(valueAt(prev, elems)) !== JSON.stringify(valueAt(next, elems))) out.add(p);
  }
  return out;
}

/** valueAt reads the value at a path (undefined when absent). */
export function valueAt(obj: Json, elems: string[]): Json {
  let cur = obj;
  for (const e of elems) {
    if (e.startsWith('f:')) {
      if (!isObject(cur)) return undefined;
      cur = cur[e.slice(2)];
    } else {
      if (!Array.isArray(cur)) return undefined;
      cur = cur.find((item) => itemKey(item) === e);
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** removeAt deletes the value at a path from a mutable object (no-op when absent). */
export function removeAt(obj: Json, elems: string[]): void {
  const parent = valueAt(obj, elems.slice(0, -1));
  const last = elems[elems.length - 1];
  if (last === undefined) return;
  if (last.startsWith('f:') && isObject(parent)) delete parent[last.slice(2)];
  else if (Array.isArray(parent)) {
    const i = parent.findIndex((item) => itemKey(item) === last);
    if (i >= 0) parent.splice(i, 1);
  }
}

/** toFieldsV1 renders a set as the managedFields tree. */
export function toFieldsV1(set: FieldSet): Record<string, Json> {
  const root: Record<string, Json> = {};
  for (const p of [...set].sort()) {
    let node = root;
    for (const e of p.split('\n')) {
      if (!isObject(node[e])) node[e] = {};
      node = node[e] as Record<string, Json>;
    }
  }
  markOwnedParents(root, '', set);
  return root;
}

function markOwnedParents(node: Record<string, Json>, path: string, set: FieldSet): void {
  for (const [k, child] of Object.entries(node)) {
    const p = path ? `${path}\n${k}` : k;
    if (!isObject(child)) continue;
    if (Object.keys(child).length > 0 && set.has(p)) child['.'] = {};
    markOwnedParents(child, p, set);
  }
}

/** fromFieldsV1 reads a managedFields tree back into a set. */
export function fromFieldsV1(tree: Json): FieldSet {
  const out: FieldSet = new Set();
  const visit = (node: Json, path: string[]): void => {
    if (!isObject(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 0 && path.length > 0) out.add(path.join('\n'));
    for (const k of keys) {
      if (k === '.') out.add(path.join('\n'));
      else visit(node[k], [...path, k]);
    }
  };
  visit(tree, []);
  return out;
}

/** renderPath renders a path as upstream's conflict messages do: `.spec.replicas`, `.spec.containers[name="x"].image`. */
export function renderPath(p: string): string {
  return p
    .split('\n')
    .map((e) => {
      if (e.startsWith('f:')) return `.${e.slice(2)}`;
      const key = JSON.parse(e.slice(2)) as Record<string, unknown>;
      return `[${Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    })
    .join('');
}

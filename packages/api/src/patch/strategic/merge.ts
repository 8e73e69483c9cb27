/**
 * Strategic merge patch as apimachinery's strategicpatch.StrategicMergePatch applies it on the server:
 * maps merge, `null` deletes, keyed lists merge item by item, set lists union, other lists are
 * replaced. Directives: `$patch: replace|merge|delete`, `$retainKeys`, `$setElementOrder/<list>`,
 * `$deleteFromPrimitiveList/<list>`.
 */
import { newBadRequest, type StatusError } from '../../errors/status.js';
import { deepClone, deepEqual, isJsonObject, type JsonObject, type JsonValue } from '../json-value.js';
import { schemaForKind, type GroupVersionKind, type PatchSchema } from './schema.js';

const directiveMarker = '$patch';
const retainKeysDirective = '$retainKeys';
const setElementOrderPrefix = '$setElementOrder/';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList/';

function badPatch(message: string): StatusError {
  return newBadRequest(message);
}

function goMap(m: JsonValue): string {
  if (!isJsonObject(m)) return String(m);
  const entries = Object.keys(m)
    .sort()
    .map((k) => `${k}:${isJsonObject(m[k]) ? goMap(m[k] ?? null) : String(m[k])}`);
  return `map[${entries.join(' ')}]`;
}

/** mergeMap merges `patch` into a copy of `original` following `schema`. */
function mergeMap(original: JsonObject, patch: JsonObject, schema: PatchSchema): JsonObject {
  const directive = patch[directiveMarker];
  if (directive !== undefined) {
    if (directive === 'replace') return stripDirectives(patch, schema) as JsonObject;
    if (directive === 'delete') return {};
    if (directive !== 'merge') throw badPatch(`unknown patch type: ${String(directive)} in map: ${goMap(patch)}`);
  }
  const out: JsonObject = { ...original };
  const retain = patch[retainKeysDirective];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw badPatch('invalid patch format: $retainKeys must be a list of strings');
    const keep = new Set(retain.map(String));
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  const orders: Record<string, JsonValue[]> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith(setElementOrderPrefix)) {
      if (!Array.isArray(v)) throw badPatch('invalid patch format: $setElementOrder list must be a list');
      orders[k.slice(setElementOrderPrefix.length)] = v;
    } else if (k.startsWith(deleteFromPrimitiveListPrefix)) {
      const field = k.slice(deleteFromPrimitiveListPrefix.length);
      if (!Array.isArray(v)) throw badPatch('invalid patch format: $deleteFromPrimitiveList must be a list');
      const cur = out[field];
      if (Array.isArray(cur)) out[field] = cur.filter((x) => !v.some((d) => deepEqual(d, x)));
    }
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k === directiveMarker || k === retainKeysDirective || k.startsWith('$')) continue;
    const child = schema.map ? (schema.elem ?? {}) : (schema.fields?.[k] ?? {});
    if (v === null) {
      delete out[k];
      continue;
    }
    out[k] = mergeValue(out[k], v, child);
  }
  for (const [field, order] of Object.entries(orders)) {
    const cur = out[field];
    if (Array.isArray(cur)) out[field] = applyElementOrder(cur, order, original[field], schema.fields?.[field] ?? {});
  }
  return out;
}

function mergeValue(original: JsonValue | undefined, patch: JsonValue, schema: PatchSchema): JsonValue {
  if (isJsonObject(patch)) {
    if (patch[directiveMarker] === 'delete' && original === undefined) return {};
    return mergeMap(isJsonObject(original) ? original : {}, patch, schema);
  }
  if (Array.isArray(patch)) return mergeList(Array.isArray(original) ? original : [], patch, schema);
  return patch;
}

/** stripDirectives removes `$`-directives from a value being inserted as-is. */
function stripDirectives(v: JsonValue, schema: PatchSchema): JsonValue {
  if (Array.isArray(v)) return mergeList([], v, schema);
  if (!isJsonObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$') || x === null) continue;
    const child = schema.map ? (schema.elem ?? {}) : (schema.fields?.[k] ?? {});
    out[k] = stripDirectives(x, child);
  }
  return out;
}

function isReplaceMarker(item: JsonValue): boolean {
  return isJsonObject(item) && item[directiveMarker] === 'replace' && Object.keys(item).length === 1;
}

/** mergeList merges a patch list into the original list. */
function mergeList(original: JsonValue[], patch: JsonValue[], schema: PatchSchema): JsonValue[] {
  if (patch.some(isReplaceMarker)) {
    return patch.filter((i) => !isReplaceMarker(i)).map((i) => stripDirectives(i, schema.elem ?? {}));
  }
  if (schema.setList) {
    const out = [...original];
    for (const item of patch) if (!out.some((x) => deepEqual(x, item))) out.push(deepClone(item));
    return out;
  }
  const key = schema.mergeKey;
  if (!key) return patch.map((i) => stripDirectives(i, schema.elem ?? {}));
  const out = [...original];
  for (const item of patch) {
    if (!isJsonObject(item)) throw badPatch(`invalid patch format: list items of a merging list must be maps`);
    const keyValue = item[key];
    if (keyValue === undefined) {
      if (item[directiveMarker] === 'delete') throw badPatch('delete patch type with no merge key defined');
      throw badPatch(`map: ${goMap(item)} does not contain declared merge key: ${key}`);
    }
    const idx = out.findIndex((x) => isJsonObject(x) && deepEqual(x[key], keyValue));
    if (item[directiveMarker] === 'delete') {
      for (let i = out.length - 1; i >= 0; i--) {
        const x = out[i];
        if (isJsonObject(x) && deepEqual(x[key], keyValue)) out.splice(i, 1);
      }
      continue;
    }
    const existing = idx >= 0 ? out[idx] : undefined;
    const merged = mergeMap(isJsonObject(existing) ? existing : {}, item, schema.elem ?? {});
    if (idx >= 0) out[idx] = merged;
    else out.push(merged);
  }
  return out;
}

/**
 * applyElementOrder reorders a merged list by a `$setElementOrder` list: items named in the order
 * list take that relative order; items only the server had keep their original relative positions.
 */
function applyElementOrder(merged: JsonValue[], order: JsonValue[], originalList: JsonValue | undefined, schema: PatchSchema): JsonValue[] {
  const key = schema.mergeKey;
  const idOf = (v: JsonValue): JsonValue => (key && isJsonObject(v) ? (v[key] ?? null) : v);
  const orderIds = order.map(idOf);
  const rank = (v: JsonValue): number => orderIds.findIndex((o) => deepEqual(o, idOf(v)));
  const orig = Array.isArray(originalList) ? originalList : [];
  const serverIndex = (v: JsonValue): number => {
    const i = orig.findIndex((o) => deepEqual(idOf(o), idOf(v)));
    return i < 0 ? Number.POSITIVE_INFINITY : i;
  };
  const ordered = merged.filter((v) => rank(v) >= 0).sort((a, b) => rank(a) - rank(b));
  const serverOnly = merged.filter((v) => rank(v) < 0);
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < ordered.length || j < serverOnly.length) {
    const a = ordered[i];
    const b = serverOnly[j];
    if (b === undefined || (a !== undefined && serverIndex(a) <= serverIndex(b))) {
      out.push(a ?? null);
      i++;
    } else {
      out.push(b);
      j++;
    }
  }
  return out;
}

/**
 * applyStrategicMergePatch applies a strategic merge patch to `target` using the kind's patch
 * metadata (see schemaForKind). Throws a BadRequest StatusError for malformed patches. Inputs are
 * not mutated.
 */
export function applyStrategicMergePatch<T = unknown>(target: unknown, patch: unknown, gvk: GroupVersionKind): T {
  if (!isJsonObject(patch)) throw badPatch('invalid JSON document');
  const original = isJsonObject(target) ? (deepClone(target) as JsonObject) : {};
  return mergeMap(original, patch, schemaForKind(gvk)) as T;
}

/** applyStrategicMergePatchWithSchema is applyStrategicMergePatch with an explicit schema. */
export function applyStrategicMergePatchWithSchema<T = unknown>(target: unknown, patch: unknown, schema: PatchSchema): T {
  if (!isJsonObject(patch)) throw badPatch('invalid JSON document');
  const original = isJsonObject(target) ? (deepClone(target) as JsonObject) : {};
  return mergeMap(original, patch, schema) as T;
}

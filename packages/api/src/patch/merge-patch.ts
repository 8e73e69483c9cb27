/** JSON Merge Patch (RFC 7386), what `application/merge-patch+json` requests carry. */
import { deepClone, isJsonObject, type JsonValue } from './json-value.js';

function merge(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return deepClone(patch);
  const out = isJsonObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

/**
 * applyMergePatch returns `target` with `patch` applied per RFC 7386: objects merge recursively,
 * `null` deletes a key, anything else (arrays included) replaces. Inputs are not mutated.
 */
export function applyMergePatch<T = unknown>(target: unknown, patch: unknown): T {
  return merge(deepClone(target as JsonValue), patch as JsonValue) as T;
}

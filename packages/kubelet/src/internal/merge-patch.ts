/**
 * createMergePatch computes an RFC 7386 JSON merge patch that turns `from` into `to`: changed keys carry
 * their new value, removed keys `null`, arrays are replaced whole. Used for node and pod status writes,
 * where a status moving from `waiting` to `running` must clear `waiting` on the server.
 */
import { deepEqual } from '@nanokube/api';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** createMergePatch returns the patch, or an empty object when `from` and `to` are equal. */
export function createMergePatch(from: unknown, to: unknown): Record<string, Json> {
  const patch: Record<string, Json> = {};
  const a = isObject(from) ? from : {};
  const b = isObject(to) ? to : {};
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined || deepEqual(a[k], v)) continue;
    patch[k] = isObject(a[k]) && isObject(v) ? createMergePatch(a[k], v) : (v as Json);
  }
  for (const k of Object.keys(a)) if (a[k] !== undefined && (!(k in b) || b[k] === undefined)) patch[k] = null;
  return patch;
}

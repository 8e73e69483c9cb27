/** Small object helpers shared by the resource strategies. */

/** deepEqual compares JSON values structurally (key order ignored), as apiequality.Semantic does for JSON. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual(ao[k], bo[k]));
}

/** clone deep-copies a JSON value. */
export function clone<T>(v: T): T {
  return v === undefined ? v : (structuredClone(v) as T);
}

/** asRecord returns v as a plain object, or undefined. */
export function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** ensureObject returns obj[key] as an object, creating `{}` when absent. */
export function ensureObject(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const cur = asRecord(obj[key]);
  if (cur) return cur;
  const created: Record<string, unknown> = {};
  obj[key] = created;
  return created;
}

/** setDefault assigns value to obj[key] when it is undefined or null. */
export function setDefault(obj: object, key: string, value: unknown): void {
  const r = obj as Record<string, unknown>;
  if (r[key] === undefined || r[key] === null) r[key] = value;
}

/** rec views a typed object as a plain record, for writing fields its type marks readonly or lacks. */
export function rec(obj: object): Record<string, unknown> {
  return obj as Record<string, unknown>;
}

/** getPath reads a dotted path (`spec.replicas`) from an object. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    const rec = asRecord(cur);
    if (!rec) return undefined;
    cur = rec[part];
  }
  return cur;
}

/** str returns v when it is a string, else ''. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** num returns v when it is a number, else the fallback. */
export function num(v: unknown, fallback = 0): number {
  return typeof v === 'number' ? v : fallback;
}

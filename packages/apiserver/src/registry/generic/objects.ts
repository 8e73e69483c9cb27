/**
 * Small object helpers shared by the generic registry: deep freezing of cached objects, deep
 * equality, JSON paths, and a once-per-object JSON serialisation for watch fan-out.
 *
 * Objects the registry hands out (get, list, watch, write results) are deeply frozen and shared
 * between requests and watchers: callers copy (`structuredClone`) before changing them.
 */
import type { KubeObject } from '../types.js';

/** deepFreeze freezes obj and everything reachable from it, and returns it. */
export function deepFreeze<T>(obj: T): T {
  if (obj === null || typeof obj !== 'object' || Object.isFrozen(obj)) return obj;
  Object.freeze(obj);
  for (const v of Object.values(obj as object)) deepFreeze(v);
  return obj;
}

/** deepEqual compares two JSON values structurally (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ak = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bk = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ak.length !== bk.length) return false;
  return ak.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** cloneObject returns a mutable deep copy of a (possibly frozen) JSON object. */
export function cloneObject<T>(obj: T): T {
  return structuredClone(obj);
}

const serialized = new WeakMap<object, string>();

/**
 * serializeObject returns `JSON.stringify(obj)`, computed once per (frozen) object so that an event
 * fanned out to many watchers, or an object listed many times, is serialised only once.
 */
export function serializeObject(obj: KubeObject): string {
  let s = serialized.get(obj);
  if (s === undefined) {
    s = JSON.stringify(obj);
    if (Object.isFrozen(obj)) serialized.set(obj, s);
  }
  return s;
}

/** getPath reads a dotted JSON path (`spec.replicas`) from obj. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** setPath writes a dotted JSON path, creating intermediate objects. obj must be mutable. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (next === null || typeof next !== 'object') cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1] as string] = value;
}

/** withResourceVersion returns a frozen shallow copy of a frozen object carrying another resourceVersion. */
export function withResourceVersion(obj: KubeObject, rv: string): KubeObject {
  return deepFreeze({ ...obj, metadata: { ...obj.metadata, resourceVersion: rv } });
}

/** rfc3339 renders a time as upstream's metav1.Time does (seconds precision, UTC, `Z`). */
export function rfc3339(d: Date): string {
  // Every object written in the same second carries the same timestamp: format each second once.
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastSecond.second) lastSecond = { second, text: d.toISOString().replace(/\.\d{3}Z$/, 'Z') };
  return lastSecond.text;
}

let lastSecond = { second: Number.NaN, text: '' };

/** objectRef renders `ns/name` or `name` for logs. */
export function objectRef(obj: KubeObject): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

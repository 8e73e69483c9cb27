/**
 * JSON Patch (RFC 6902) with JSON Pointer (RFC 6901) paths, as the apiserver applies
 * `application/json-patch+json` (evanphx/json-patch v4 wording). Decoding problems are BadRequest;
 * operations that do not apply are 422 Invalid with upstream's generic message and the
 * json-patch error as the single cause, as the apiserver's NewGenericServerResponse builds it.
 */
import { newBadRequest, newStatus, StatusError } from '../errors/status.js';
import { deepClone, deepEqual, isJsonObject, type JsonValue } from './json-value.js';

/** One JSON Patch operation. */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

/** The message upstream's NewGenericServerResponse gives a 422; the specific problem is the cause. */
export const jsonPatchRejectedMessage = 'the server rejected our request due to an error in our request';

function unprocessable(message: string): StatusError {
  const status = newStatus('Invalid', jsonPatchRejectedMessage, { causes: [{ reason: 'UnexpectedServerResponse', message }] });
  return new StatusError(status);
}

/** parseJsonPointer splits `/a/b~1c` into tokens `['a', 'b/c']`; `''` is the whole document. */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw unprocessable(`JSON pointer must be empty or start with a "/": ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** formatJsonPointer joins tokens into a pointer, escaping `~` and `/`. */
export function formatJsonPointer(tokens: readonly string[]): string {
  return tokens.map((t) => `/${t.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function arrayIndex(arr: JsonValue[], token: string, forAdd: boolean): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw unprocessable(`Unable to access invalid index: ${token}: invalid index referenced`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length)) {
    throw unprocessable(`Unable to access invalid index: ${i}: invalid index referenced`);
  }
  return i;
}

interface Located {
  parent: JsonValue[] | Record<string, JsonValue>;
  key: string;
}

/** Find the container of the last token; undefined when an intermediate is missing. */
function locate(doc: JsonValue, tokens: string[]): Located | undefined {
  let cur: JsonValue | undefined = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(t)) return undefined;
      cur = cur[Number(t)];
    } else if (isJsonObject(cur)) cur = Object.prototype.hasOwnProperty.call(cur, t) ? cur[t] : undefined;
    else return undefined;
  }
  if (!Array.isArray(cur) && !isJsonObject(cur)) return undefined;
  return { parent: cur, key: tokens[tokens.length - 1] ?? '' };
}

function getAt(doc: JsonValue, tokens: string[]): JsonValue | undefined {
  if (tokens.length === 0) return doc;
  const loc = locate(doc, tokens);
  if (!loc) return undefined;
  if (Array.isArray(loc.parent)) {
    if (!/^(0|[1-9][0-9]*)$/.test(loc.key)) return undefined;
    return loc.parent[Number(loc.key)];
  }
  return Object.prototype.hasOwnProperty.call(loc.parent, loc.key) ? loc.parent[loc.key] : undefined;
}

function add(doc: JsonValue, path: string, value: JsonValue): JsonValue {
  const tokens = parseJsonPointer(path);
  if (tokens.length === 0) return value;
  const loc = locate(doc, tokens);
  if (!loc) throw unprocessable(`add operation does not apply: doc is missing path: "${path}": missing value`);
  if (Array.isArray(loc.parent)) loc.parent.splice(arrayIndex(loc.parent, loc.key, true), 0, value);
  else loc.parent[loc.key] = value;
  return doc;
}

function remove(doc: JsonValue, path: string, opName = 'remove'): [JsonValue, JsonValue] {
  const tokens = parseJsonPointer(path);
  const loc = tokens.length ? locate(doc, tokens) : undefined;
  const missing = (): StatusError =>
    unprocessable(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
  if (!loc) throw missing();
  if (Array.isArray(loc.parent)) {
    const i = arrayIndex(loc.parent, loc.key, false);
    const [old] = loc.parent.splice(i, 1);
    return [doc, old ?? null];
  }
  if (!Object.prototype.hasOwnProperty.call(loc.parent, loc.key)) throw missing();
  const old = loc.parent[loc.key] ?? null;
  delete loc.parent[loc.key];
  return [doc, old];
}

function replace(doc: JsonValue, path: string, value: JsonValue): JsonValue {
  const tokens = parseJsonPointer(path);
  if (tokens.length === 0) return value;
  const loc = locate(doc, tokens);
  const missing = (): StatusError =>
    unprocessable(`replace operation does not apply: doc is missing key: ${path}: missing value`);
  if (!loc) throw missing();
  if (Array.isArray(loc.parent)) {
    loc.parent[arrayIndex(loc.parent, loc.key, false)] = value;
  } else {
    if (!Object.prototype.hasOwnProperty.call(loc.parent, loc.key)) throw missing();
    loc.parent[loc.key] = value;
  }
  return doc;
}

function applyOne(doc: JsonValue, op: JsonPatchOperation): JsonValue {
  const value = deepClone((op.value ?? null) as JsonValue);
  switch (op.op) {
    case 'add':
      return add(doc, op.path, value);
    case 'remove':
      return remove(doc, op.path)[0];
    case 'replace':
      return replace(doc, op.path, value);
    case 'move': {
      const from = op.from ?? '';
      if (getAt(doc, parseJsonPointer(from)) === undefined) {
        throw unprocessable(`move operation does not apply: doc is missing from path: ${from}: missing value`);
      }
      const [d, moved] = remove(doc, from, 'move');
      return add(d, op.path, moved);
    }
    case 'copy': {
      const from = op.from ?? '';
      const v = getAt(doc, parseJsonPointer(from));
      if (v === undefined) throw unprocessable(`copy operation does not apply: doc is missing from path: ${from}: missing value`);
      return add(doc, op.path, deepClone(v));
    }
    case 'test': {
      const v = getAt(doc, parseJsonPointer(op.path));
      const want = (op.value ?? null) as JsonValue;
      if (v === undefined ? want !== null : !deepEqual(v, want)) {
        throw unprocessable(`testing value ${op.path} failed: test failed`);
      }
      return doc;
    }
    default:
      throw unprocessable(`Unexpected kind: ${String((op as { op: unknown }).op)}`);
  }
}

/** validateJsonPatch checks the body is an array of operations with a string `op` and `path`. */
export function validateJsonPatch(ops: unknown): asserts ops is JsonPatchOperation[] {
  if (!Array.isArray(ops)) throw newBadRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  for (const op of ops) {
    if (!isJsonObject(op) || typeof op['op'] !== 'string') throw newBadRequest('Unexpected kind: unknown');
    if (typeof op['path'] !== 'string') throw newBadRequest(`${op['op']} operation missing path`);
  }
}

/**
 * applyJsonPatch applies RFC 6902 operations in order and returns the new document. Throws a
 * BadRequest StatusError for a malformed patch and a 422 Invalid StatusError when an operation does
 * not apply (`replace`/`remove` of a missing path, failed `test`, bad index). Inputs are not mutated.
 */
export function applyJsonPatch<T = unknown>(target: unknown, ops: unknown): T {
  validateJsonPatch(ops);
  let doc = deepClone(target as JsonValue);
  for (const op of ops) doc = applyOne(doc, op);
  return doc as T;
}

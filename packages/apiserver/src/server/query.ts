/**
 * Query parameter parsing for resource requests: list, watch, write and delete options, with
 * upstream's error messages for malformed values.
 */
import { newBadRequest } from '@nanokube/api';
import type { DeleteOptions, FieldValidation, GetOptions, ListOptions, WatchOptions, WriteOptions } from '../registry/types.js';
import type { IncludeObject } from './render.js';

/** The parsed query string as fastify hands it over (repeated keys become arrays). */
export type Query = Record<string, string | string[] | undefined>;

/** first returns the first value of a query parameter. */
export function first(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

function all(q: Query, name: string): string[] {
  const v = q[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function intParam(q: Query, name: string): number | undefined {
  const v = first(q, name);
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw newBadRequest(`strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number(v);
}

function boolParam(q: Query, name: string): boolean | undefined {
  const v = first(q, name);
  if (v === undefined || v === '') return undefined;
  if (v === 'true' || v === '1' || v === 'True' || v === 'TRUE' || v === 't') return true;
  if (v === 'false' || v === '0' || v === 'False' || v === 'FALSE' || v === 'f') return false;
  throw newBadRequest(`strconv.ParseBool: parsing "${v}": invalid syntax`);
}

/** resourceVersionParam reads resourceVersion, which must be empty or a decimal uint64 as upstream parses it. */
function resourceVersionParam(q: Query): string | undefined {
  const rv = first(q, 'resourceVersion');
  if (rv === undefined || rv === '') return rv;
  if (!/^\d{1,20}$/.test(rv) || BigInt(rv) > 0xffffffffffffffffn) {
    const why = /^\d+$/.test(rv) ? 'value out of range' : 'invalid syntax';
    throw newBadRequest(`resourceVersion: Invalid value: "${rv}": strconv.ParseUint: parsing "${rv}": ${why}`);
  }
  return rv;
}

/** getOptions reads a GET's resourceVersion ('0': served from the watch cache, as upstream). */
export function getOptions(q: Query): GetOptions {
  const rv = resourceVersionParam(q);
  return rv === undefined ? {} : { resourceVersion: rv };
}

/** listOptions reads labelSelector, fieldSelector, limit, continue, resourceVersion(Match). */
export function listOptions(q: Query): ListOptions {
  const opts: ListOptions = {};
  const ls = first(q, 'labelSelector');
  if (ls) opts.labelSelector = ls;
  const fs = first(q, 'fieldSelector');
  if (fs) opts.fieldSelector = fs;
  const limit = intParam(q, 'limit');
  if (limit !== undefined && limit > 0) opts.limit = limit;
  // Parsed though a list ignores it, so a malformed value is a 400 as upstream.
  intParam(q, 'timeoutSeconds');
  const cont = first(q, 'continue');
  if (cont) opts.continue = cont;
  const rv = resourceVersionParam(q);
  if (rv !== undefined) opts.resourceVersion = rv;
  const match = first(q, 'resourceVersionMatch');
  if (match) {
    if (match !== 'NotOlderThan' && match !== 'Exact') {
      throw newBadRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
    }
    opts.resourceVersionMatch = match;
  }
  return opts;
}

/** watchOptions reads the watch parameters; `name` narrows a watch of one object by field selector. */
export function watchOptions(q: Query, name?: string): WatchOptions {
  const opts: WatchOptions = {};
  const ls = first(q, 'labelSelector');
  if (ls) opts.labelSelector = ls;
  const fs = first(q, 'fieldSelector');
  const byName = name ? `metadata.name=${name}` : undefined;
  const combined = [fs, byName].filter((s): s is string => Boolean(s)).join(',');
  if (combined) opts.fieldSelector = combined;
  const rv = resourceVersionParam(q);
  if (rv !== undefined) opts.resourceVersion = rv;
  if (boolParam(q, 'allowWatchBookmarks')) opts.allowWatchBookmarks = true;
  const t = intParam(q, 'timeoutSeconds');
  if (t !== undefined && t > 0) opts.timeoutSeconds = t;
  return opts;
}

function dryRun(q: Query): boolean {
  const values = all(q, 'dryRun');
  for (const v of values) {
    if (v !== 'All') throw newBadRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  }
  return values.length > 0;
}

/** fieldValidationOf reads `fieldValidation` (default Warn, as upstream since 1.27). */
export function fieldValidationOf(q: Query): FieldValidation {
  const v = first(q, 'fieldValidation');
  if (v === undefined || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw newBadRequest(`fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`);
}

/** writeOptions reads dryRun, fieldManager, fieldValidation and force. */
export function writeOptions(q: Query): WriteOptions {
  const opts: WriteOptions = { dryRun: dryRun(q), fieldValidation: fieldValidationOf(q) };
  const fm = first(q, 'fieldManager');
  if (fm) {
    if (fm.length > 128) throw newBadRequest(`fieldManager: Too long: may not be more than 128 bytes`);
    opts.fieldManager = fm;
  }
  const force = boolParam(q, 'force');
  if (force !== undefined) opts.force = force;
  return opts;
}

const propagationPolicies = new Set(['Background', 'Foreground', 'Orphan']);

/**
 * deleteOptions merges the query parameters with a DeleteOptions body (the body wins, as upstream
 * decodes the body over the query values).
 */
export function deleteOptions(q: Query, body: unknown): DeleteOptions {
  const opts: DeleteOptions = {};
  const grace = intParam(q, 'gracePeriodSeconds');
  if (grace !== undefined) opts.gracePeriodSeconds = grace;
  const pp = first(q, 'propagationPolicy');
  if (pp) opts.propagationPolicy = pp as DeleteOptions['propagationPolicy'];
  const orphan = boolParam(q, 'orphanDependents');
  if (orphan !== undefined) opts.orphanDependents = orphan;
  if (dryRun(q)) opts.dryRun = ['All'];
  if (body !== undefined && body !== null) {
    if (typeof body !== 'object' || Array.isArray(body)) throw newBadRequest('json: cannot unmarshal into Go value of type v1.DeleteOptions');
    const b = body as Record<string, unknown>;
    if (typeof b['gracePeriodSeconds'] === 'number') opts.gracePeriodSeconds = b['gracePeriodSeconds'];
    if (typeof b['propagationPolicy'] === 'string') opts.propagationPolicy = b['propagationPolicy'] as DeleteOptions['propagationPolicy'];
    if (typeof b['orphanDependents'] === 'boolean') opts.orphanDependents = b['orphanDependents'];
    if (Array.isArray(b['dryRun'])) opts.dryRun = b['dryRun'] as string[];
    if (b['preconditions'] && typeof b['preconditions'] === 'object') opts.preconditions = b['preconditions'] as DeleteOptions['preconditions'];
  }
  if (opts.propagationPolicy !== undefined && !propagationPolicies.has(opts.propagationPolicy)) {
    throw newBadRequest(
      `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`,
    );
  }
  for (const v of opts.dryRun ?? []) if (v !== 'All') throw newBadRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return opts;
}

/** includeObjectOf reads `includeObject` for Tables (default Metadata). */
export function includeObjectOf(q: Query): IncludeObject {
  const v = first(q, 'includeObject');
  if (v === undefined || v === '' || v === 'Metadata') return 'Metadata';
  if (v === 'None' || v === 'Object') return v;
  throw newBadRequest(`includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`);
}

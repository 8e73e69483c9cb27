/**
 * Update (PUT and the second half of every PATCH), as upstream's Store.Update + BeforeUpdate:
 * system fields carried from the stored object -> prepareForUpdate (main or status strategy) ->
 * applyDefaults -> generation -> common + strategy validation -> admission hooks -> managedFields
 * -> compare-and-swap on the stored mod revision. A no-op update writes nothing; an update that
 * leaves a deleting object without finalizers (and with grace 0) deletes it.
 *
 * A stale resourceVersion in the request is 409 Conflict; a lost race without one is retried.
 */
import { newConflict, newInvalid, newNotFound, optimisticLockErrorMsg, type FieldError } from '@nanokube/api';
import type { KubeObject, RequestContext, ResourceDefinition, StatusStrategy, WriteOptions, WriteResult } from '../types.js';
import { extras } from './keys.js';
import type { Undo } from './admission.js';
import { conversionFor, recordInRequestVersion } from './convert.js';
import { createObject, undoAll } from './create.js';
import {
  encodeForStorage,
  groupResource,
  hooksOf,
  keyOf,
  readForWrite,
  storageApiVersion,
  type Current,
  type RegistryCore,
} from './core.js';
import { recordUpdate } from './managed-fields.js';
import { bumpGenerationOnSpecChange, carryUpdateMeta, ensureName, ensureNamespace, validateUpdateMeta } from './metadata.js';
import { deepEqual, deepFreeze, withResourceVersion } from './objects.js';
import { omitEmptyInPlace } from './omit-empty.js';
import { assertDecodable } from './typed.js';

/** The result of one update attempt: a result, or a lost compare-and-swap to retry. */
export type UpdateOutcome = { result: WriteResult; conflict?: undefined } | { conflict: true; result?: undefined };

/** How an update records managedFields (defaults to an Update entry for opts.fieldManager). */
export type UpdateFieldManager = (obj: KubeObject, old: KubeObject) => void;

/** One update attempt against a known stored state. */
export interface UpdateAttempt {
  name: string;
  cur: Current;
  /** The desired object; mutable, owned by the attempt. */
  obj: KubeObject;
  /**
   * '' (main resource), 'status' or another subresource with a declared strategy (`finalize`), or
   * 'raw' (system-internal: no strategy).
   */
  subresource: string;
  opts: WriteOptions;
  recordFields?: UpdateFieldManager;
}

/** Resources a PUT may create (upstream's AllowCreateOnUpdate). */
const createOnUpdate = new Set([
  '/endpoints', '/events', '/services', 'events.k8s.io/events', 'coordination.k8s.io/leases',
  'rbac.authorization.k8s.io/roles', 'rbac.authorization.k8s.io/rolebindings',
  'rbac.authorization.k8s.io/clusterroles', 'rbac.authorization.k8s.io/clusterrolebindings',
]);

const maxUnconditionalAttempts = 16;

/** updateObject serves PUT on the object or its `status` subresource. `input` is not modified. */
export async function updateObject(
  core: RegistryCore,
  ctx: RequestContext,
  def: ResourceDefinition,
  name: string,
  input: KubeObject,
  opts: WriteOptions & { subresource?: string },
): Promise<WriteResult> {
  const key = keyOf(core, def, ctx, name);
  const subresource = opts.subresource ?? '';
  let fromCache = !(ctx.dryRun || opts.dryRun);
  for (let attempt = 1; ; attempt++) {
    const cur = await readForWrite(core, def, key, fromCache);
    if (!cur) {
      if (subresource || !createOnUpdate.has(`${def.group}/${def.resource}`)) throw newNotFound(groupResource(def), name);
      const obj = structuredClone(input);
      ensureName(obj, name);
      return createObject(core, ctx, def, obj, opts);
    }
    fromCache = false;
    const out = await attemptUpdate(core, ctx, def, { name, cur, obj: structuredClone(input), subresource, opts }).catch(retryIfCached(cur));
    if (out?.result) return out.result;
    if (!out) continue;
    if (attempt >= maxUnconditionalAttempts) throw newConflict(groupResource(def), name, optimisticLockErrorMsg);
  }
}

/**
 * retryIfCached turns an error seen on a cached copy into "retry on a store read" (undefined): the copy
 * may be stale (a resourceVersion precondition, a validation against old state); errors on a store read
 * stand.
 */
export function retryIfCached(cur: Current): (err: unknown) => undefined {
  return (err) => {
    if (cur.fromCache) return undefined;
    throw err;
  };
}

/** attemptUpdate runs one update against `a.cur`; throws 409 when the request's resourceVersion is stale. */
export async function attemptUpdate(core: RegistryCore, ctx: RequestContext, def: ResourceDefinition, a: UpdateAttempt): Promise<UpdateOutcome> {
  const { obj, cur, name } = a;
  const old = cur.object;
  assertDecodable(def, obj);
  omitEmptyInPlace({ group: def.group, version: def.versions[0] ?? 'v1', kind: def.kind }, obj);
  if (!obj.metadata || typeof obj.metadata !== 'object') obj.metadata = {};
  ensureNamespace(ctx, def, obj);
  ensureName(obj, name);
  obj.apiVersion = storageApiVersion(def);
  obj.kind = def.kind;
  const requestedRV = obj.metadata.resourceVersion;
  if (requestedRV && requestedRV !== old.metadata.resourceVersion) throw newConflict(groupResource(def), name, optimisticLockErrorMsg);
  const hookCtx = { ...ctx, dryRun: ctx.dryRun || a.opts.dryRun };
  carryUpdateMeta(obj, old);
  prepare(hookCtx, def, a.subresource, obj, old);
  const errs = validate(hookCtx, def, a.subresource, obj, old);
  if (errs.length > 0) throw newInvalid({ group: def.group, kind: def.kind }, name, errs);
  const warnings = def.strategy.warnings?.(hookCtx, obj, old) ?? [];
  const undos: Undo[] = [];
  try {
    for (const h of hooksOf(core, def)) {
      const undo = await h.beforeUpdate?.(hookCtx, obj, old);
      if (undo) undos.push(undo);
    }
    if (a.recordFields) a.recordFields(obj, old);
    else if (a.opts.fieldManager) {
      const conv = conversionFor(def, a.opts.version);
      const req = {
        manager: a.opts.fieldManager,
        apiVersion: conv ? conv.apiVersion : storageApiVersion(def),
        now: ctx.now,
        ...(a.subresource && a.subresource !== 'raw' ? { subresource: a.subresource } : {}),
      };
      if (conv) recordInRequestVersion(conv, obj, old, (view, oldView) => recordUpdate(view, oldView, req));
      else recordUpdate(obj, old, req);
    }
    const out = await commit(core, hookCtx, def, a, warnings);
    if (out.conflict || hookCtx.dryRun || out.result.object === old) await undoAll(undos);
    if (out.conflict && requestedRV) throw newConflict(groupResource(def), name, optimisticLockErrorMsg);
    return out;
  } catch (err) {
    await undoAll(undos);
    throw err;
  }
}

/** subresourceStrategy is the strategy of `status` or of another declared update subresource. */
function subresourceStrategy(def: ResourceDefinition, subresource: string): StatusStrategy | undefined {
  return subresource === 'status' ? def.statusStrategy : extras(def).subresourceStrategies?.[subresource];
}

function prepare(ctx: RequestContext, def: ResourceDefinition, subresource: string, obj: KubeObject, old: KubeObject): void {
  if (subresource === 'raw') return;
  if (subresource !== '') {
    const s = subresourceStrategy(def, subresource);
    if (!s) throw newNotFound(groupResource(def), `${old.metadata.name ?? ''}/${subresource}`);
    s.prepareForUpdate(ctx, obj, old);
  } else {
    def.strategy.prepareForUpdate(ctx, obj, old);
  }
  def.strategy.applyDefaults(obj);
  if (subresource === '') bumpGenerationOnSpecChange(obj, old);
}

function validate(ctx: RequestContext, def: ResourceDefinition, subresource: string, obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateUpdateMeta(def, obj, old);
  if (subresource === '') errs.push(...def.strategy.validateUpdate(ctx, obj, old));
  else if (subresource !== 'raw') errs.push(...(subresourceStrategy(def, subresource)?.validateUpdate(ctx, obj, old) ?? []));
  const seen = new Set<string>();
  return errs.filter((e) => {
    const k = `${e.field}\n${e.detail}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** sameStoredState compares two objects as stored, ignoring resourceVersion and managedFields times. */
function sameStoredState(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): unknown => ({
    ...o,
    metadata: {
      ...o.metadata,
      resourceVersion: undefined,
      managedFields: (o.metadata.managedFields as Record<string, unknown>[] | undefined)?.map((e) => ({ ...e, time: undefined })),
    },
  });
  return deepEqual(strip(a), strip(b));
}

/**
 * shouldDeleteDuringUpdate: a deleting object whose last finalizer went away is removed (upstream);
 * a namespace also needs its spec.finalizers emptied (by the namespace controller's `/finalize`).
 */
function shouldDeleteDuringUpdate(def: ResourceDefinition, obj: KubeObject): boolean {
  const m = obj.metadata;
  if (!m.deletionTimestamp || (m.finalizers ?? []).length > 0 || (m.deletionGracePeriodSeconds ?? 0) !== 0) return false;
  if (def.group === '' && def.resource === 'namespaces') {
    return ((obj['spec'] as { finalizers?: unknown[] } | undefined)?.finalizers ?? []).length === 0;
  }
  return true;
}

async function commit(
  core: RegistryCore,
  ctx: RequestContext,
  def: ResourceDefinition,
  a: UpdateAttempt,
  warnings: string[],
): Promise<UpdateOutcome> {
  const { obj, cur } = a;
  const old = cur.object;
  obj.metadata.resourceVersion = old.metadata.resourceVersion;
  if ((obj.metadata.finalizers ?? []).length === 0) delete obj.metadata.finalizers;
  // Nothing changed: answer with the stored object, but only once it is known to be current.
  if (sameStoredState(obj, old)) return cur.fromCache ? { conflict: true } : { result: { object: old, created: false, warnings } };
  const key = keyOf(core, def, ctx, a.name);
  if (shouldDeleteDuringUpdate(def, obj)) {
    if (ctx.dryRun) return { result: { object: deepFreeze(obj), created: false, warnings } };
    const res = await core.storage.delete(key, cur.modRevision);
    if (!res.succeeded) return { conflict: true };
    for (const h of hooksOf(core, def)) await h.afterDelete?.(ctx, old);
    return { result: { object: withResourceVersion(deepFreeze(obj), String(res.revision)), created: false, warnings } };
  }
  if (ctx.dryRun) return { result: { object: deepFreeze(obj), created: false, warnings } };
  const res = await core.storage.update(key, encodeForStorage(obj), cur.modRevision);
  if (!res.succeeded) return { conflict: true };
  obj.metadata.resourceVersion = String(res.revision);
  deepFreeze(obj);
  for (const h of hooksOf(core, def)) await h.afterUpdate?.(ctx, obj, old);
  return { result: { object: obj, created: false, warnings } };
}

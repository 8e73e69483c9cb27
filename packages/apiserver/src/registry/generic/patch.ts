/**
 * PATCH: json (RFC 6902), merge (RFC 7386), strategic merge, and apply (server-side apply) on the
 * object, its `status` or its `scale`. The patch is applied to the stored object and the result
 * goes through the update path; a lost compare-and-swap is retried with a fresh read, so a patch
 * that does not carry a resourceVersion never fails with 409 (kubectl scale would retry for
 * minutes). Apply creates the object when it is absent.
 */
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  forbidden,
  newBadRequest,
  newConflict,
  newInvalid,
  newNotFound,
  optimisticLockErrorMsg,
  required,
} from '@nanokube/api';
import type { KubeObject, PatchType, RequestContext, ResourceDefinition, WriteOptions, WriteResult } from '../types.js';
import { conversionFor, recordInRequestVersion } from './convert.js';
import { createObject } from './create.js';
import { groupResource, keyOf, readForWrite, storageApiVersion, type Current, type RegistryCore } from './core.js';
import { prepareApply } from './managed-fields.js';
import { ensureName } from './metadata.js';
import { omitEmpty, omitEmptyInPlace } from './omit-empty.js';
import { applyScale, scaleOf } from './scale.js';
import { attemptUpdate, retryIfCached } from './update.js';

const maxPatchAttempts = 32;

/** patchObject serves PATCH on an object or its `status`/`scale` subresource. */
export async function patchObject(
  core: RegistryCore,
  ctx: RequestContext,
  def: ResourceDefinition,
  name: string,
  type: PatchType,
  patch: unknown,
  opts: WriteOptions & { subresource?: string },
): Promise<WriteResult> {
  checkPatchOptions(type, opts);
  const key = keyOf(core, def, ctx, name);
  const subresource = opts.subresource ?? '';
  let fromCache = !(ctx.dryRun || opts.dryRun);
  for (let attempt = 1; ; attempt++) {
    const cur = await readForWrite(core, def, key, fromCache);
    if (!cur) {
      if (type === 'apply' && subresource === '') return applyCreate(core, ctx, def, name, patch, opts);
      throw newNotFound(groupResource(def), name);
    }
    fromCache = false;
    const out = await (subresource === 'scale'
      ? patchScale(core, ctx, def, name, cur, type, patch, opts)
      : patchOnce(core, ctx, def, name, cur, type, patch, { ...opts, subresource })
    ).catch(retryIfCached(cur));
    if (out) return out;
    if (attempt >= maxPatchAttempts) throw newConflict(groupResource(def), name, optimisticLockErrorMsg);
  }
}

function checkPatchOptions(type: PatchType, opts: WriteOptions): void {
  if (type === 'apply' && !opts.fieldManager) {
    throw newInvalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [required('fieldManager', 'is required for apply patch')]);
  }
  if (type !== 'apply' && opts.force) {
    throw newInvalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [forbidden('force', 'may not be specified for non-apply patch')]);
  }
}

/** applyPatchOfType applies a non-apply patch to a (frozen) object and returns a new object. */
export function applyPatchOfType(def: { group: string; kind: string; version?: string }, type: PatchType, target: KubeObject, patch: unknown): KubeObject {
  switch (type) {
    case 'json':
      return applyJsonPatch<KubeObject>(target, patch);
    case 'merge':
      return applyMergePatch<KubeObject>(target, patch);
    case 'strategic':
    case 'apply':
      return applyStrategicMergePatch<KubeObject>(target, patch, { group: def.group, kind: def.kind, ...(def.version ? { version: def.version } : {}) });
  }
}

function asObject(patch: unknown): KubeObject {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw newBadRequest('the apply patch must be a JSON or YAML object');
  const obj = patch as KubeObject;
  if (obj.metadata !== undefined && (typeof obj.metadata !== 'object' || obj.metadata === null)) throw newBadRequest('metadata must be an object');
  return obj;
}

async function patchOnce(
  core: RegistryCore,
  ctx: RequestContext,
  def: ResourceDefinition,
  name: string,
  cur: Current,
  type: PatchType,
  patch: unknown,
  opts: WriteOptions & { subresource: string },
): Promise<WriteResult | undefined> {
  // Through another served version (autoscaling/v1 HPAs) the patch applies to the object as that
  // version shows it; the result is converted back to the storage version.
  const conv = conversionFor(def, opts.version);
  const live = conv ? conv.toRequest(cur.object) : cur.object;
  const gvk = { group: def.group, kind: def.kind, ...(conv ? { version: conv.version } : {}) };
  let patched: KubeObject;
  let recordFields: ((o: KubeObject) => void) | undefined;
  if (type === 'apply') {
    const applied = asObject(patch);
    const { base, finish } = prepareApply(live, applied, {
      manager: opts.fieldManager as string,
      apiVersion: conv ? conv.apiVersion : storageApiVersion(def),
      now: ctx.now,
      force: !!opts.force,
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
    });
    patched = applyPatchOfType(gvk, 'strategic', base, stripApplyMeta(applied));
    recordFields = conv ? (o) => recordInRequestVersion(conv, o, undefined, (view) => finish(view)) : finish;
  } else {
    patched = applyPatchOfType(gvk, type, live, patch);
  }
  if (typeof patched !== 'object' || patched === null || Array.isArray(patched)) throw newBadRequest('the patch produced an object that is not a JSON object');
  // Typed decoding of the result, as upstream: fields no schema defines (reported as unknown by the
  // handler) and empty optional maps and lists do not survive.
  const obj = omitEmpty({ group: def.group, version: def.versions[0] ?? 'v1', kind: def.kind }, conv ? conv.toStorage(patched) : patched, { dropUnknown: true });
  dropImplicitResourceVersion(obj, cur);
  const out = await attemptUpdate(core, ctx, def, {
    name,
    cur,
    obj,
    subresource: opts.subresource,
    opts,
    ...(recordFields ? { recordFields } : {}),
  });
  return out.result;
}

/**
 * dropImplicitResourceVersion clears a resourceVersion the patch did not change, so that only a
 * resourceVersion the client put in its patch acts as a precondition (a lost race is retried).
 */
function dropImplicitResourceVersion(obj: KubeObject, cur: Current): void {
  if (obj.metadata && typeof obj.metadata === 'object' && obj.metadata.resourceVersion === cur.object.metadata.resourceVersion) {
    delete obj.metadata.resourceVersion;
  }
}

/** stripApplyMeta drops what an applied configuration may not merge (system metadata). */
function stripApplyMeta(applied: KubeObject): KubeObject {
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, managedFields: _m, generation: _g, ...metadata } = applied.metadata ?? {};
  return { ...applied, metadata };
}

async function applyCreate(
  core: RegistryCore,
  ctx: RequestContext,
  def: ResourceDefinition,
  name: string,
  patch: unknown,
  opts: WriteOptions,
): Promise<WriteResult> {
  const conv = conversionFor(def, opts.version);
  const applied = structuredClone(asObject(patch));
  applied.metadata ??= {};
  ensureName(applied, name);
  const { finish } = prepareApply({ metadata: {} }, applied, {
    manager: opts.fieldManager as string,
    apiVersion: conv ? conv.apiVersion : storageApiVersion(def),
    now: ctx.now,
    force: true,
  });
  delete applied.metadata.managedFields;
  const obj = conv ? conv.toStorage({ ...applied, apiVersion: conv.apiVersion, kind: def.kind }) : applied;
  omitEmptyInPlace({ group: def.group, version: def.versions[0] ?? 'v1', kind: def.kind }, obj);
  const record = conv ? (o: KubeObject): void => recordInRequestVersion(conv, o, undefined, (view) => finish(view)) : finish;
  return createObject(core, ctx, def, obj, opts, record);
}

async function patchScale(
  core: RegistryCore,
  ctx: RequestContext,
  def: ResourceDefinition,
  name: string,
  cur: Current,
  type: PatchType,
  patch: unknown,
  opts: WriteOptions,
): Promise<WriteResult | undefined> {
  const scale = scaleOf(def, cur.object);
  const patched = applyPatchOfType({ group: 'autoscaling', kind: 'Scale' }, type === 'apply' ? 'merge' : type, scale, patch);
  dropImplicitResourceVersion(patched, cur);
  return applyScale(core, ctx, def, name, cur, patched, opts);
}

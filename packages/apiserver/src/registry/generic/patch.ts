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
import { createObject } from './create.js';
import { groupResource, keyOf, readCurrent, storageApiVersion, type Current, type RegistryCore } from './core.js';
import { prepareApply } from './managed-fields.js';
import { ensureName } from './metadata.js';
import { applyScale, scaleOf } from './scale.js';
import { attemptUpdate } from './update.js';

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
  for (let attempt = 1; ; attempt++) {
    const cur = await readCurrent(core, key);
    if (!cur) {
      if (type === 'apply' && subresource === '') return applyCreate(core, ctx, def, name, patch, opts);
      throw newNotFound(groupResource(def), name);
    }
    const out =
      subresource === 'scale'
        ? await patchScale(core, ctx, def, name, cur, type, patch, opts)
        : await patchOnce(core, ctx, def, name, cur, type, patch, { ...opts, subresource });
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
  const gvk = { group: def.group, kind: def.kind };
  let obj: KubeObject;
  let recordFields: ((o: KubeObject) => void) | undefined;
  if (type === 'apply') {
    const applied = asObject(patch);
    const { base, finish } = prepareApply(cur.object, applied, {
      manager: opts.fieldManager as string,
      apiVersion: storageApiVersion(def),
      now: ctx.now,
      force: !!opts.force,
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
    });
    obj = applyPatchOfType(gvk, 'strategic', base, stripApplyMeta(applied));
    recordFields = finish;
  } else {
    obj = applyPatchOfType(gvk, type, cur.object, patch);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw newBadRequest('the patch produced an object that is not a JSON object');
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
  const applied = structuredClone(asObject(patch));
  applied.metadata ??= {};
  ensureName(applied, name);
  const { finish } = prepareApply({ metadata: {} }, applied, {
    manager: opts.fieldManager as string,
    apiVersion: storageApiVersion(def),
    now: ctx.now,
    force: true,
  });
  delete applied.metadata.managedFields;
  return createObject(core, ctx, def, applied, opts, finish);
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

/**
 * Create, in upstream's order: namespace agreement and system fields -> NamespaceLifecycle ->
 * prepareForCreate -> applyDefaults -> validate (+ common ObjectMeta) -> warnings -> admission hooks
 * (allocators) -> managedFields -> create-if-absent write. A generated name that collides is retried
 * with a fresh suffix; an explicit one is 409 AlreadyExists.
 */
import { newAlreadyExists } from '@nanokube/api';
import type { KubeObject, RequestContext, ResourceDefinition, WriteOptions, WriteResult } from '../types.js';
import { admitNamespaceLifecycle, type Undo } from './admission.js';
import { conversionFor, recordInRequestVersion } from './convert.js';
import { encodeForStorage, groupResource, hooksOf, keyOf, storageApiVersion, type RegistryCore } from './core.js';
import { recordUpdate } from './managed-fields.js';
import { defaultGeneration, ensureNamespace, fillCreateMeta, generateName, validateCreate } from './metadata.js';
import { deepFreeze } from './objects.js';
import { assertDecodable } from './typed.js';

const maxGenerateNameAttempts = 8;

/** How a create records managedFields: an Update entry (default) or the Apply entry of SSA. */
export type CreateFieldManager = (obj: KubeObject) => void;

/** createObject stores a new object. `input` is not modified. */
export async function createObject(
  core: RegistryCore,
  ctx: RequestContext,
  def: ResourceDefinition,
  input: KubeObject,
  opts: WriteOptions,
  recordFields?: CreateFieldManager,
): Promise<WriteResult> {
  const obj = structuredClone(input);
  assertDecodable(def, obj);
  ensureNamespace(ctx, def, obj);
  obj.apiVersion = storageApiVersion(def);
  obj.kind = def.kind;
  const generated = fillCreateMeta(ctx, obj);
  const hookCtx = { ...ctx, dryRun: ctx.dryRun || opts.dryRun };
  await admitNamespaceLifecycle(core, hookCtx, def, obj.metadata.name ?? '');
  def.strategy.prepareForCreate(hookCtx, obj);
  def.strategy.applyDefaults(obj);
  defaultGeneration(def, obj);
  validateCreate(hookCtx, def, obj);
  const warnings = def.strategy.warnings?.(hookCtx, obj) ?? [];
  const undos = await runCreateHooks(core, hookCtx, def, obj);
  try {
    if (recordFields) recordFields(obj);
    else if (opts.fieldManager) {
      // Through another served version (autoscaling/v1 HPAs) the entry records that version's fields.
      const conv = conversionFor(def, opts.version);
      const req = { manager: opts.fieldManager, apiVersion: conv ? conv.apiVersion : storageApiVersion(def), now: ctx.now };
      if (conv) recordInRequestVersion(conv, obj, undefined, (view) => recordUpdate(view, undefined, req));
      else recordUpdate(obj, undefined, req);
    }
    if (hookCtx.dryRun) {
      delete obj.metadata.resourceVersion;
      await undoAll(undos);
      return { object: deepFreeze(obj), created: true, warnings };
    }
    const stored = await writeNew(core, ctx, def, obj, generated);
    return { object: stored, created: true, warnings };
  } catch (err) {
    await undoAll(undos);
    throw err;
  }
}

async function writeNew(
  core: RegistryCore,
  ctx: RequestContext,
  def: ResourceDefinition,
  obj: KubeObject,
  generated: boolean,
): Promise<KubeObject> {
  for (let attempt = 1; ; attempt++) {
    const name = obj.metadata.name ?? '';
    const res = await core.storage.create(keyOf(core, def, ctx, name), encodeForStorage(obj));
    if (res.succeeded) {
      obj.metadata.resourceVersion = String(res.revision);
      return deepFreeze(obj);
    }
    if (!generated || attempt >= maxGenerateNameAttempts) throw newAlreadyExists(groupResource(def), name);
    obj.metadata.name = generateName(obj.metadata.generateName as string);
  }
}

async function runCreateHooks(core: RegistryCore, ctx: RequestContext, def: ResourceDefinition, obj: KubeObject): Promise<Undo[]> {
  const undos: Undo[] = [];
  try {
    for (const h of hooksOf(core, def)) {
      const undo = await h.beforeCreate?.(ctx, obj);
      if (undo) undos.push(undo);
    }
  } catch (err) {
    await undoAll(undos);
    throw err;
  }
  return undos;
}

/** undoAll runs undos in reverse order, never throwing (a failed release leaks until repair). */
export async function undoAll(undos: Undo[]): Promise<void> {
  for (const u of undos.reverse()) {
    try {
      await u();
    } catch {
      // Releasing is best effort: the allocation is then held until the object is deleted or repaired.
    }
  }
}

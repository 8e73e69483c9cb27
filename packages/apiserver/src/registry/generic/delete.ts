/**
 * Delete, as upstream's Store.Delete: preconditions -> graceful deletion (the strategy's grace
 * period > 0 sets deletionTimestamp + deletionGracePeriodSeconds and keeps the object; the kubelet
 * finishes it with grace 0) -> finalizers (an object with finalizers only gets deletionTimestamp and
 * stays until an update empties the list) -> removal with compare-and-swap.
 *
 * Propagation: Foreground adds the `foregroundDeletion` finalizer and Orphan the `orphan` finalizer;
 * the garbage collector in the controller-manager removes them once dependents are handled (until it
 * runs, such objects stay with deletionTimestamp set). Background deletes at once.
 *
 * Namespaces: the first DELETE sets status.phase Terminating and deletionTimestamp and makes sure
 * spec.finalizers holds `kubernetes`; the namespace controller drains the namespace, empties
 * spec.finalizers through `/finalize` and deletes it again. default, kube-system and kube-public may
 * not be deleted (403).
 */
import { newConflict, newForbidden, type StatusError } from '@nanokube/api';
import type { DeleteOptions, KubeObject, RequestContext, ResourceDefinition } from '../types.js';
import { immortalNamespaces } from './admission.js';
import { encodeForStorage, groupResource, hooksOf, keyOf, mustReadCurrent, prefixOf, type Current, type RegistryCore } from './core.js';
import { deepEqual, deepFreeze, rfc3339, withResourceVersion } from './objects.js';

/** The outcome of a delete: the object as deleted (or as marked for deletion). */
export interface DeleteResult {
  object: KubeObject;
  deleted: boolean;
}

const maxDeleteAttempts = 16;
const foregroundFinalizer = 'foregroundDeletion';
const orphanFinalizer = 'orphan';

/** deleteObject serves DELETE of one object. */
export async function deleteObject(
  core: RegistryCore,
  ctx: RequestContext,
  def: ResourceDefinition,
  name: string,
  opts: DeleteOptions,
): Promise<DeleteResult> {
  const key = keyOf(core, def, ctx, name);
  const dryRun = ctx.dryRun || (opts.dryRun ?? []).includes('All');
  const isNamespace = def.group === '' && def.resource === 'namespaces';
  if (isNamespace && immortalNamespaces.has(name)) {
    throw newForbidden(groupResource(def), name, 'this namespace may not be deleted');
  }
  for (let attempt = 1; ; attempt++) {
    const cur = await mustReadCurrent(core, def, key, name);
    checkPreconditions(def, name, cur.object, opts);
    const marked = isNamespace ? markNamespace(cur.object, opts, ctx.now) : markForDeletion(def, cur.object, opts, ctx.now);
    let out: DeleteResult | undefined;
    if (marked === 'delete') out = await remove(core, ctx, def, key, cur, dryRun);
    else if (marked === 'unchanged') out = { object: cur.object, deleted: false };
    else out = await writeMarked(core, key, cur, marked, dryRun);
    if (out) return out;
    if (attempt >= maxDeleteAttempts) throw newConflict(groupResource(def), name, 'the object has been modified; please retry');
  }
}

function checkPreconditions(def: ResourceDefinition, name: string, obj: KubeObject, opts: DeleteOptions): void {
  const p = opts.preconditions;
  if (!p) return;
  let err: StatusError | undefined;
  if (p.uid && p.uid !== obj.metadata.uid) {
    err = newConflict(groupResource(def), name, `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${obj.metadata.uid ?? ''}`);
  } else if (p.resourceVersion && p.resourceVersion !== obj.metadata.resourceVersion) {
    err = newConflict(
      groupResource(def),
      name,
      `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in meta: ${obj.metadata.resourceVersion ?? ''}`,
    );
  }
  if (err) throw err;
}

/** gcFinalizers returns the finalizers after applying the request's propagation policy. */
function gcFinalizers(current: readonly string[], opts: DeleteOptions): string[] {
  const policy = opts.propagationPolicy ?? (opts.orphanDependents === true ? 'Orphan' : opts.orphanDependents === false ? 'Background' : undefined);
  if (!policy) return [...current];
  const rest = current.filter((f) => f !== foregroundFinalizer && f !== orphanFinalizer);
  if (policy === 'Foreground') return [...rest, foregroundFinalizer];
  if (policy === 'Orphan') return [...rest, orphanFinalizer];
  return rest;
}

/**
 * markForDeletion decides a delete: 'delete' (remove now), 'unchanged' (already marked as asked),
 * or the object to store with deletion metadata.
 */
function markForDeletion(def: ResourceDefinition, obj: KubeObject, opts: DeleteOptions, now: Date): KubeObject | 'delete' | 'unchanged' {
  const meta = obj.metadata;
  const grace = def.strategy.gracefulDeleteSeconds?.(obj, opts.gracePeriodSeconds);
  const finalizers = meta.deletionTimestamp ? [...(meta.finalizers ?? [])] : gcFinalizers(meta.finalizers ?? [], opts);
  const graceful = grace !== undefined && grace > 0;
  if (finalizers.length === 0 && !graceful) return 'delete';
  const next = structuredClone(obj) as KubeObject;
  const m = next.metadata;
  if (finalizers.length > 0) m.finalizers = finalizers;
  else delete m.finalizers;
  const seconds = graceful ? grace : 0;
  if (!m.deletionTimestamp) {
    m.deletionTimestamp = rfc3339(new Date(now.getTime() + seconds * 1000));
    m.deletionGracePeriodSeconds = seconds;
    if (m.generation !== undefined && m.generation > 0) m.generation += 1;
  } else if (m.deletionGracePeriodSeconds === undefined || seconds < m.deletionGracePeriodSeconds) {
    // A shorter grace period than the pending one takes effect (e.g. `--grace-period=0 --force`).
    m.deletionTimestamp = rfc3339(new Date(now.getTime() + seconds * 1000));
    m.deletionGracePeriodSeconds = seconds;
  }
  if (finalizers.length === 0 && m.deletionGracePeriodSeconds === 0) return 'delete';
  return deepEqual(next, obj) ? 'unchanged' : next;
}

function markNamespace(obj: KubeObject, opts: DeleteOptions, now: Date): KubeObject | 'delete' | 'unchanged' {
  const spec = (obj['spec'] ?? {}) as { finalizers?: string[] };
  if (obj.metadata.deletionTimestamp) {
    const done = (spec.finalizers ?? []).length === 0 && (obj.metadata.finalizers ?? []).length === 0;
    return done ? 'delete' : 'unchanged';
  }
  const next = structuredClone(obj) as KubeObject;
  next.metadata.deletionTimestamp = rfc3339(now);
  next.metadata.deletionGracePeriodSeconds = 0;
  const finalizers = gcFinalizers(next.metadata.finalizers ?? [], opts);
  if (finalizers.length > 0) next.metadata.finalizers = finalizers;
  const nextSpec = { ...spec, finalizers: [...new Set([...(spec.finalizers ?? []), 'kubernetes'])] };
  next['spec'] = nextSpec;
  next['status'] = { ...((obj['status'] as object | undefined) ?? {}), phase: 'Terminating' };
  return next;
}

async function writeMarked(core: RegistryCore, key: string, cur: Current, next: KubeObject, dryRun: boolean): Promise<DeleteResult | undefined> {
  if (dryRun) return { object: deepFreeze(next), deleted: false };
  const res = await core.storage.update(key, encodeForStorage(next), cur.modRevision);
  if (!res.succeeded) return undefined;
  next.metadata.resourceVersion = String(res.revision);
  if ((next['status'] as { phase?: string } | undefined)?.phase === 'Terminating' && core.namespacesDef && key.startsWith(prefixOf(core, core.namespacesDef))) {
    core.namespaceMarks.revision = Math.max(core.namespaceMarks.revision, res.revision);
  }
  return { object: deepFreeze(next), deleted: false };
}

async function remove(
  core: RegistryCore,
  ctx: RequestContext,
  def: ResourceDefinition,
  key: string,
  cur: Current,
  dryRun: boolean,
): Promise<DeleteResult | undefined> {
  if (dryRun) return { object: cur.object, deleted: true };
  const res = await core.storage.delete(key, cur.modRevision);
  if (!res.succeeded) return undefined;
  for (const h of hooksOf(core, def)) {
    try {
      await h.afterDelete?.(ctx, cur.object);
    } catch (err) {
      core.logger.warn({ err, key }, 'Could not release what a deleted object held');
    }
  }
  return { object: withResourceVersion(cur.object, String(res.revision)), deleted: true };
}

/**
 * POST subresources of pods: `binding` (the scheduler's bind: compare-and-swap on spec.nodeName,
 * 409 when the pod is already bound or being deleted; sets the PodScheduled condition) and
 * `eviction` (deletes the pod with the eviction's DeleteOptions; PodDisruptionBudgets are not
 * consulted yet).
 */
import { newConflict, newInvalid, newNotFound, required, type Status } from '@nanokube/api';
import type { DeleteOptions, KubeObject, RequestContext, ResourceDefinition, WriteOptions } from '../types.js';
import { encodeForStorage, groupResource, keyOf, readForWrite, type RegistryCore } from './core.js';
import { deleteObject } from './delete.js';
import { rfc3339 } from './objects.js';

const maxBindAttempts = 16;

function successStatus(code: number): KubeObject {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code };
  return s as unknown as KubeObject;
}

interface PodCondition {
  type: string;
  status: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  [k: string]: unknown;
}

/** bindPod serves POST pods/{name}/binding. */
export async function bindPod(
  core: RegistryCore,
  ctx: RequestContext,
  def: ResourceDefinition,
  name: string,
  body: KubeObject,
  opts: WriteOptions,
): Promise<{ object: KubeObject; code: number }> {
  const node = (body['target'] as { name?: unknown } | undefined)?.name;
  if (typeof node !== 'string' || !node) {
    throw newInvalid({ group: '', kind: 'Binding' }, body.metadata?.name ?? name, [required('target.name')]);
  }
  const gr = { group: '', resource: 'pods/binding' };
  const key = keyOf(core, def, ctx, name);
  // The first attempt binds the watch cache's copy (see readForWrite); what it finds wrong is checked again
  // on a store read before it is reported.
  for (let attempt = 1; attempt <= maxBindAttempts; attempt++) {
    const cur = await readForWrite(core, def, key, attempt === 1 && !(ctx.dryRun || opts.dryRun));
    if (!cur) throw newNotFound(groupResource(def), name);
    const pod = structuredClone(cur.object) as KubeObject;
    const spec = (pod['spec'] ?? {}) as { nodeName?: string };
    if ((pod.metadata.deletionTimestamp || spec.nodeName) && cur.fromCache) continue;
    if (pod.metadata.deletionTimestamp) throw newConflict(gr, name, `pod ${name} is being deleted, cannot be assigned to a host`);
    if (spec.nodeName) throw newConflict(gr, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    pod['spec'] = { ...spec, nodeName: node };
    const annotations = body.metadata?.annotations;
    if (annotations) pod.metadata.annotations = { ...pod.metadata.annotations, ...annotations };
    const status = (pod['status'] ?? {}) as { conditions?: PodCondition[] };
    const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(ctx.now) });
    pod['status'] = { ...status, conditions };
    if (ctx.dryRun || opts.dryRun) return { object: successStatus(201), code: 201 };
    const res = await core.storage.update(key, encodeForStorage(pod), cur.modRevision);
    if (res.succeeded) return { object: successStatus(201), code: 201 };
  }
  throw newConflict(gr, name, 'the object has been modified; please retry');
}

/** evictPod serves POST pods/{name}/eviction. */
export async function evictPod(
  core: RegistryCore,
  ctx: RequestContext,
  def: ResourceDefinition,
  name: string,
  body: KubeObject,
  opts: WriteOptions,
): Promise<{ object: KubeObject; code: number }> {
  const deleteOptions = (body['deleteOptions'] ?? {}) as DeleteOptions;
  await deleteObject(core, { ...ctx, dryRun: ctx.dryRun || opts.dryRun }, def, name, deleteOptions);
  return { object: successStatus(201), code: 201 };
}

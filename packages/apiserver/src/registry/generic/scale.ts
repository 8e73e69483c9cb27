/**
 * The `/scale` subresource: an autoscaling/v1 Scale view of a workload's replicas. Writes set the
 * spec replicas path of the stored object and go through the main update path (so generation is
 * bumped and the write is a compare-and-swap); the reply is the Scale of the stored result.
 */
import { invalid, newConflict, newInvalid, newNotFound, optimisticLockErrorMsg } from '@nanokube/api';
import type { KubeObject, RequestContext, ResourceDefinition, WriteOptions, WriteResult } from '../types.js';
import { groupResource, mustReadCurrent, keyOf, storageApiVersion, type Current, type RegistryCore } from './core.js';
import { recordUpdate } from './managed-fields.js';
import { deepFreeze, getPath, setPath } from './objects.js';
import { attemptUpdate } from './update.js';

const maxScaleAttempts = 32;

function scaleDef(def: ResourceDefinition, name: string): NonNullable<ResourceDefinition['scale']> {
  if (!def.scale) throw newNotFound(groupResource(def), `${name}/scale`);
  return def.scale;
}

/** scaleOf renders the Scale of a stored object. */
export function scaleOf(def: ResourceDefinition, obj: KubeObject): KubeObject {
  const s = scaleDef(def, obj.metadata.name ?? '');
  const m = obj.metadata;
  const specReplicas = Number(getPath(obj, s.specReplicasPath) ?? 0);
  const selector = s.selector(obj);
  return deepFreeze({
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      ...(m.namespace ? { namespace: m.namespace } : {}),
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: specReplicas ? { replicas: specReplicas } : {},
    status: { replicas: Number(getPath(obj, s.statusReplicasPath) ?? 0), ...(selector ? { selector } : {}) },
  });
}

/** updateScale serves PUT on `/scale`. */
export async function updateScale(
  core: RegistryCore,
  ctx: RequestContext,
  def: ResourceDefinition,
  name: string,
  scale: KubeObject,
  opts: WriteOptions,
): Promise<WriteResult> {
  scaleDef(def, name);
  const key = keyOf(core, def, ctx, name);
  for (let attempt = 1; ; attempt++) {
    const cur = await mustReadCurrent(core, def, key, name);
    const out = await applyScale(core, ctx, def, name, cur, scale, opts);
    if (out) return out;
    if (attempt >= maxScaleAttempts) throw newConflict(groupResource(def), name, optimisticLockErrorMsg);
  }
}

/** applyScale writes a Scale onto the stored object once; undefined on a lost race (retry). */
export async function applyScale(
  core: RegistryCore,
  ctx: RequestContext,
  def: ResourceDefinition,
  name: string,
  cur: Current,
  scale: KubeObject,
  opts: WriteOptions,
): Promise<WriteResult | undefined> {
  const s = scaleDef(def, name);
  const replicas = (scale['spec'] as { replicas?: unknown } | undefined)?.replicas ?? 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    const errs = [invalid('spec.replicas', replicas as number, 'must be greater than or equal to 0')];
    throw newInvalid({ group: 'autoscaling', kind: 'Scale' }, name, errs);
  }
  const rv = (scale.metadata as KubeObject['metadata'] | undefined)?.resourceVersion;
  if (rv && rv !== cur.object.metadata.resourceVersion) throw newConflict(groupResource(def), name, optimisticLockErrorMsg);
  const obj = structuredClone(cur.object) as KubeObject;
  setPath(obj as Record<string, unknown>, s.specReplicasPath, replicas);
  delete obj.metadata.resourceVersion;
  const out = await attemptUpdate(core, ctx, def, {
    name,
    cur,
    obj,
    subresource: '',
    opts,
    recordFields: (o, old) => {
      if (opts.fieldManager) {
        recordUpdate(o, old, { manager: opts.fieldManager, apiVersion: storageApiVersion(def), now: ctx.now, subresource: 'scale' });
      }
    },
  });
  if (out.conflict) {
    if (rv) throw newConflict(groupResource(def), name, optimisticLockErrorMsg);
    return undefined;
  }
  return { ...out.result, object: scaleOf(def, out.result.object) };
}

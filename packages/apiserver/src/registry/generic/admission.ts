/**
 * Admission in the generic registry: NamespaceLifecycle (built in) and per-resource hooks that run
 * after validation and before the write — where the Service ClusterIP and NodePort allocators plug
 * in. A hook that allocates returns an undo that the registry calls when the write does not happen.
 */
import { newForbidden, newNotFound } from '@nanokube/api';
import type { KubeObject, RequestContext, ResourceDefinition } from '../types.js';
import { cacheOf, keyOf, readCurrent, type RegistryCore } from './core.js';

/** Undo releases what a hook took when the write it prepared for did not happen. */
export type Undo = () => Promise<void>;

/**
 * ResourceHooks are one resource's admission steps. `ctx.dryRun` hooks must not allocate anything
 * durable (they may still check availability and fill values).
 */
export interface ResourceHooks {
  /** Runs after validation of a create; may mutate obj. */
  beforeCreate?(ctx: RequestContext, obj: KubeObject): Promise<Undo | void>;
  /** Runs after validation of an update; may mutate obj (old is frozen). */
  beforeUpdate?(ctx: RequestContext, obj: KubeObject, old: KubeObject): Promise<Undo | void>;
  /** Runs after an update was stored: release what old held and obj no longer does. */
  afterUpdate?(ctx: RequestContext, obj: KubeObject, old: KubeObject): Promise<void>;
  /** Runs after an object was removed from the store. */
  afterDelete?(ctx: RequestContext, obj: KubeObject): Promise<void>;
}

/** Namespaces that may never be deleted (upstream's immortal namespaces). */
export const immortalNamespaces = new Set(['default', 'kube-system', 'kube-public']);

/**
 * admitNamespaceLifecycle enforces upstream's NamespaceLifecycle on create: the namespace must
 * exist (404 `namespaces "x" not found`) and must not be terminating (403).
 */
export async function admitNamespaceLifecycle(
  core: RegistryCore,
  ctx: RequestContext,
  def: ResourceDefinition,
  objName: string,
): Promise<void> {
  const nsDef = core.namespacesDef;
  if (!def.namespaced || !nsDef) return;
  const nsCtx = { ...ctx, namespace: '' };
  const name = ctx.namespace;
  if (core.namespaceMarks.revision > 0) await core.cacher.waitForRevision(core.namespaceMarks.revision, 3_000);
  // The cache may lag a namespace created a moment ago: fall back to a live read, as upstream does.
  let ns = cacheOf(core, nsDef).get(keyOf(core, nsDef, nsCtx, name));
  if (!ns) ns = (await readCurrent(core, keyOf(core, nsDef, nsCtx, name)))?.object;
  if (!ns) throw newNotFound({ group: '', resource: 'namespaces' }, name);
  const phase = (ns['status'] as { phase?: string } | undefined)?.phase;
  if (phase === 'Terminating' || ns.metadata.deletionTimestamp) {
    throw newForbidden(
      { group: def.group, resource: def.resource },
      objName,
      `unable to create new content in namespace ${name} because it is being terminated`,
    );
  }
}

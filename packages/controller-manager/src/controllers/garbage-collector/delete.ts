import { isConflict, isNotFound } from '@nanokube/api';
import { ResourceClient, type DeleteOptions, type GroupVersionResource, type KubeObject } from '@nanokube/client';
import { ownerReferencesPatch, type OwnerReference } from '../../shared/index.js';
import type { GarbageCollector } from './controller.js';
import { foregroundFinalizer, isDeletingDependents, orphanFinalizer, type GraphNode } from './graph.js';

function client(gc: GarbageCollector, gvr: GroupVersionResource, namespace: string): ResourceClient<KubeObject> {
  return gc.ctx.client<KubeObject>(gvr).inNamespace(gvr.namespaced ? namespace : '');
}

/** getLatest reads the object behind a node; undefined when it is gone or was replaced (other uid). */
async function getLatest(gc: GarbageCollector, node: GraphNode): Promise<KubeObject | undefined> {
  try {
    const obj = await client(gc, node.gvr, node.namespace).get(node.name);
    return obj.metadata?.uid === node.uid ? obj : undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * needsDecision is the cache-only fast path: an object that is not deleting its dependents and whose
 * owners are all cached and not deleting theirs needs no API call.
 */
function needsDecision(gc: GarbageCollector, node: GraphNode): boolean {
  if (isDeletingDependents(node)) return true;
  return node.owners.some((o) => {
    const owner = gc.graph.get(o.uid);
    return !owner || isDeletingDependents(owner);
  });
}

type OwnerState = 'solid' | 'dangling' | 'waiting';

/** ownerState checks an owner live: absent (or another uid), deleting its dependents first, or solid. */
async function ownerState(gc: GarbageCollector, ref: OwnerReference, namespace: string): Promise<OwnerState> {
  const gvr = gc.resourceFor(ref.apiVersion, ref.kind);
  // An owner of a kind the apiserver does not serve cannot be verified: keep the dependent.
  if (!gvr) return 'solid';
  try {
    const owner = await client(gc, gvr, namespace).get(ref.name);
    if (owner.metadata?.uid !== ref.uid) return 'dangling';
    const finalizers = owner.metadata?.finalizers ?? [];
    return isDeletingDependents({ ...(owner.metadata?.deletionTimestamp ? { deletionTimestamp: owner.metadata.deletionTimestamp } : {}), finalizers })
      ? 'waiting'
      : 'solid';
  } catch (err) {
    if (isNotFound(err)) return 'dangling';
    throw err;
  }
}

/**
 * attemptToDelete decides the fate of one object (upstream attemptToDeleteItem): finish its own
 * foreground deletion, drop references to owners that are gone while a live owner remains, or delete it
 * when every owner is gone or is deleting its dependents.
 */
export async function attemptToDelete(gc: GarbageCollector, uid: string): Promise<void> {
  const node = gc.graph.get(uid);
  if (!node || !needsDecision(gc, node)) return;
  const latest = await getLatest(gc, node);
  if (!latest) return;
  const meta = latest.metadata ?? {};
  const finalizers = meta.finalizers ?? [];
  if (meta.deletionTimestamp) {
    if (finalizers.includes(foregroundFinalizer)) await processDeletingDependents(gc, node, latest);
    return;
  }
  const owners = meta.ownerReferences ?? [];
  if (owners.length === 0) return;
  const solid: OwnerReference[] = [];
  const gone: OwnerReference[] = [];
  let waiting = false;
  for (const ref of owners) {
    const state = await ownerState(gc, ref, node.namespace);
    if (state === 'solid') solid.push(ref);
    else gone.push(ref);
    if (state === 'waiting') waiting = true;
  }
  const log = gc.ctx.log.child({ object: `${node.gvr.resource}/${node.namespace ? node.namespace + '/' : ''}${node.name}` });
  if (solid.length > 0) {
    if (gone.length === 0) return;
    const keep = owners.filter((o) => !gone.some((g) => g.uid === o.uid));
    await client(gc, node.gvr, node.namespace).patch(node.name, 'merge', ownerReferencesPatch(latest, keep));
    log.debug('Removed references to deleted owners');
    return;
  }
  let policy: DeleteOptions['propagationPolicy'] = 'Background';
  if (waiting && gc.graph.dependentsOf(uid).length > 0) policy = 'Foreground';
  else if (finalizers.includes(orphanFinalizer)) policy = 'Orphan';
  else if (finalizers.includes(foregroundFinalizer)) policy = 'Foreground';
  log.info({ propagationPolicy: policy }, 'Deleting object whose owners are gone');
  try {
    await client(gc, node.gvr, node.namespace).delete(node.name, { propagationPolicy: policy, preconditions: { uid } });
  } catch (err) {
    if (!isNotFound(err) && !isConflict(err)) throw err;
  }
}

/**
 * processDeletingDependents finishes a foreground deletion once no dependent blocks it any more, and
 * otherwise makes sure every blocking dependent is on its way out.
 */
async function processDeletingDependents(gc: GarbageCollector, node: GraphNode, latest: KubeObject): Promise<void> {
  const blocking = gc.graph.blockingDependentsOf(node.uid);
  if (blocking.length === 0) {
    await removeFinalizer(gc, node, latest, foregroundFinalizer);
    return;
  }
  for (const dep of blocking) if (!isDeletingDependents(dep)) gc.deleteQueue.add(dep.uid);
}

/** attemptToOrphan removes an owner's references from its dependents, then its `orphan` finalizer. */
export async function attemptToOrphan(gc: GarbageCollector, uid: string): Promise<void> {
  const node = gc.graph.get(uid);
  if (!node) return;
  for (const dep of gc.graph.dependentsOf(uid)) {
    const latest = await getLatest(gc, dep);
    if (!latest) continue;
    const refs = latest.metadata?.ownerReferences ?? [];
    if (!refs.some((r) => r.uid === uid)) continue;
    await client(gc, dep.gvr, dep.namespace).patch(dep.name, 'merge', ownerReferencesPatch(latest, refs.filter((r) => r.uid !== uid)));
  }
  const latest = await getLatest(gc, node);
  if (latest) await removeFinalizer(gc, node, latest, orphanFinalizer);
}

async function removeFinalizer(gc: GarbageCollector, node: GraphNode, latest: KubeObject, finalizer: string): Promise<void> {
  const finalizers = latest.metadata?.finalizers ?? [];
  if (!finalizers.includes(finalizer)) return;
  const rest = finalizers.filter((f) => f !== finalizer);
  try {
    await client(gc, node.gvr, node.namespace).patch(node.name, 'merge', {
      metadata: { finalizers: rest.length > 0 ? rest : null, resourceVersion: latest.metadata?.resourceVersion },
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

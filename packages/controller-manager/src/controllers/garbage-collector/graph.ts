import type { GroupVersionResource, KubeObject } from '@nanokube/client';
import type { OwnerReference } from '../../shared/index.js';

export const foregroundFinalizer = 'foregroundDeletion';
export const orphanFinalizer = 'orphan';

/** A node of the ownership graph: one object of a monitored resource. */
export interface GraphNode {
  uid: string;
  gvr: GroupVersionResource;
  namespace: string;
  name: string;
  owners: OwnerReference[];
  deletionTimestamp?: string;
  finalizers: string[];
}

/** deletingDependents: the object is being deleted in the foreground and waits for its dependents. */
export function isDeletingDependents(n: { deletionTimestamp?: string; finalizers: string[] }): boolean {
  return !!n.deletionTimestamp && n.finalizers.includes(foregroundFinalizer);
}

/** nodeFromObject builds the graph node of an object. */
export function nodeFromObject(gvr: GroupVersionResource, obj: KubeObject): GraphNode {
  const m = obj.metadata ?? {};
  return {
    uid: m.uid ?? '',
    gvr,
    namespace: m.namespace ?? '',
    name: m.name ?? '',
    owners: (m.ownerReferences ?? []).map((r) => ({ ...r })),
    ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
    finalizers: [...(m.finalizers ?? [])],
  };
}

/**
 * OwnershipGraph is the garbage collector's view of ownership (upstream GraphBuilder's uidToNode):
 * nodes by uid, and dependents by owner uid — kept also for owners that are not (or no longer) in the
 * graph, which is how dangling references are found.
 */
export class OwnershipGraph {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly dependents = new Map<string, Set<string>>();

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  has(uid: string): boolean {
    return this.nodes.has(uid);
  }

  get size(): number {
    return this.nodes.size;
  }

  /** upsert stores a node and returns the owner references it no longer has. */
  upsert(node: GraphNode): OwnerReference[] {
    const old = this.nodes.get(node.uid);
    const removed = (old?.owners ?? []).filter((o) => !node.owners.some((n) => n.uid === o.uid));
    for (const o of removed) this.unlink(o.uid, node.uid);
    for (const o of node.owners) {
      let set = this.dependents.get(o.uid);
      if (!set) this.dependents.set(o.uid, (set = new Set()));
      set.add(node.uid);
    }
    this.nodes.set(node.uid, node);
    return removed;
  }

  /** remove deletes a node (its dependents keep pointing at its uid) and returns it. */
  remove(uid: string): GraphNode | undefined {
    const node = this.nodes.get(uid);
    if (!node) return undefined;
    for (const o of node.owners) this.unlink(o.uid, uid);
    this.nodes.delete(uid);
    return node;
  }

  /** dependentsOf returns the nodes that list uid among their owners. */
  dependentsOf(uid: string): GraphNode[] {
    return [...(this.dependents.get(uid) ?? [])].map((d) => this.nodes.get(d)).filter((n): n is GraphNode => n !== undefined);
  }

  /** blockingDependentsOf returns the dependents whose reference to uid has blockOwnerDeletion. */
  blockingDependentsOf(uid: string): GraphNode[] {
    return this.dependentsOf(uid).filter((d) => d.owners.some((o) => o.uid === uid && o.blockOwnerDeletion === true));
  }

  private unlink(ownerUid: string, depUid: string): void {
    const set = this.dependents.get(ownerUid);
    set?.delete(depUid);
    if (set && set.size === 0) this.dependents.delete(ownerUid);
  }
}

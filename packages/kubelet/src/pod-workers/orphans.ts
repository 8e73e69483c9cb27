/**
 * Pods deleted while the kubelet was down (upstream's HandlePodCleanups and cleanupOrphanedPodDirs): at
 * start the kubelet compares what the runtime still runs and the pod folders on disk with the pods bound
 * to its node, and removes the rest (containers, sandbox with its netns and IP, volumes, pod folder)
 * through the pod workers, as if it had seen the deletion. A pod the apiserver still lists is never an
 * orphan, whatever its state.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { RuntimeService } from '../runtime/types.js';

/** A pod the node still has traces of, but the apiserver no longer lists. */
export interface OrphanedPod {
  uid: string;
  namespace: string;
  name: string;
}

/**
 * findOrphanedPods lists the pods that have a sandbox in the runtime or a folder among `podDirUids` but
 * whose uid is not in `known` (the pods bound to the node). Names come from the sandbox when there is one.
 */
export async function findOrphanedPods(runtime: RuntimeService, podDirUids: readonly string[], known: ReadonlySet<string>): Promise<OrphanedPod[]> {
  const out = new Map<string, OrphanedPod>();
  for (const sb of await runtime.listPodSandboxes()) {
    const { uid, namespace, name } = sb.metadata;
    if (!known.has(uid) && !out.has(uid)) out.set(uid, { uid, namespace, name });
  }
  for (const uid of podDirUids) {
    if (!known.has(uid) && !out.has(uid)) out.set(uid, { uid, namespace: '', name: '' });
  }
  return [...out.values()];
}

/** orphanPod is the stand-in Pod the pod workers remove an orphan with (no spec: no hooks run). */
export function orphanPod(o: OrphanedPod): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { uid: o.uid, namespace: o.namespace, name: o.name }, spec: { containers: [] } };
}

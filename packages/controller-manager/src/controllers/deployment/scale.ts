/**
 * Scaling a deployment (upstream sync.go scale): a spec.replicas change resizes the active ReplicaSet, or
 * all of them in proportion while a rollout is in flight, so surge and ratio are kept.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { activeReplicaSets, byCreation, bySizeNewer, bySizeOlder, desiredReplicasAnnotation, maxReplicasAnnotation, maxSurge, replicasOf, sumReplicas } from './util.js';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, scaleReplicaSet, type SyncState } from './sync.js';
import { syncDeploymentStatus } from './status.js';

/** isScalingEvent: some active ReplicaSet was sized for another spec.replicas than the current one. */
export function isScalingEvent(d: Deployment, rss: ReplicaSet[]): boolean {
  return activeReplicaSets(rss).some((rs) => {
    const desired = rs.metadata?.annotations?.[desiredReplicasAnnotation];
    return desired !== undefined && Number(desired) !== replicasOf(d);
  });
}

/**
 * scale resizes the ReplicaSets after spec.replicas changed: the only active one directly, otherwise
 * proportionally to their sizes so a scale during a rollout keeps its surge and ratio (upstream scale).
 */
export async function scale(s: SyncState, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
  const d = s.d;
  const want = replicasOf(d);
  const active = activeReplicaSets([newRS, ...oldRSs]);
  if (active.length <= 1) {
    const target = active[0] ?? (newRS ? newRS : [...oldRSs].sort(byCreation).at(-1));
    if (target && replicasOf(target) !== want) await scaleReplicaSet(s, target, want);
    return;
  }
  // Saturated new ReplicaSet: old ones go to zero.
  if (newRS && replicasOf(newRS) === want && (newRS.status?.availableReplicas ?? 0) === want) {
    for (const rs of activeReplicaSets(oldRSs)) await scaleReplicaSet(s, rs, 0);
    return;
  }
  if (!((d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate')) return;
  const allowed = want > 0 ? want + maxSurge(d) : 0;
  const toAdd = allowed - sumReplicas(active);
  const ordered = [...active].sort(toAdd > 0 ? bySizeNewer : bySizeOlder);
  const sizes = new Map<ReplicaSet, number>();
  let added = 0;
  for (const rs of ordered) {
    const p = proportion(rs, d, toAdd, added);
    sizes.set(rs, replicasOf(rs) + p);
    added += p;
  }
  const first = ordered[0];
  if (first && toAdd !== added) sizes.set(first, Math.max(0, (sizes.get(first) ?? 0) + toAdd - added));
  for (const rs of ordered) await scaleReplicaSet(s, rs, Math.max(0, sizes.get(rs) ?? 0));
}

function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return allowed > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const want = replicasOf(d);
  if (want === 0) return -replicasOf(rs);
  const max = want + maxSurge(d);
  const annotated = Number(rs.metadata?.annotations?.[maxReplicasAnnotation] ?? d.status?.replicas ?? 0);
  if (!annotated) return 0;
  return Math.round((replicasOf(rs) * max) / annotated) - replicasOf(rs);
}

/**
 * sync handles scaling and paused deployments: resize without rolling, clean up history while paused,
 * and update status.
 */
export async function syncScaleOnly(s: SyncState): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(s, false);
  await scale(s, newRS, oldRSs);
  const fresh = (rs: ReplicaSet | undefined): ReplicaSet | undefined => (rs ? (s.rsList.find((x) => x.metadata?.uid === rs.metadata?.uid) ?? rs) : undefined);
  const olds = oldRSs.map((rs) => fresh(rs) as ReplicaSet);
  if (s.d.spec?.paused) await cleanupDeployment(s, olds);
  await syncDeploymentStatus(s, [...olds, ...(newRS ? [fresh(newRS) as ReplicaSet] : [])], fresh(newRS));
}

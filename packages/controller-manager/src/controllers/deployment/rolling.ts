/**
 * The RollingUpdate strategy (upstream rolling.go): grow the new ReplicaSet within maxSurge, shrink old
 * ones within maxUnavailable — unhealthy replicas first — and never take every pod down at once.
 */
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { byCreation, deploymentComplete, maxUnavailable, replicasOf, sumReplicas, sumStatus, activeReplicaSets } from './util.js';
import { calculateStatus } from './status.js';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, newRSNewReplicas, scaleReplicaSet, type SyncState } from './sync.js';
import { syncRolloutStatus } from './progress.js';

/** rolloutRolling runs one step of a rolling update and updates status. */
export async function rolloutRolling(s: SyncState): Promise<void> {
  const got = await getAllReplicaSetsAndSyncRevision(s, true);
  let newRS = got.newRS;
  let oldRSs = got.oldRSs;
  if (newRS) {
    const r = await reconcileNewReplicaSet(s, [...oldRSs, newRS], newRS);
    newRS = r.rs;
    if (r.scaled) return syncRolloutStatus(s, [...oldRSs, newRS], newRS);
  }
  const scaledDown = await reconcileOldReplicaSets(s, oldRSs, newRS);
  oldRSs = oldRSs.map((rs) => s.rsList.find((x) => x.metadata?.uid === rs.metadata?.uid) ?? rs);
  const allRSs = newRS ? [...oldRSs, newRS] : oldRSs;
  if (scaledDown) return syncRolloutStatus(s, allRSs, newRS);
  if (deploymentComplete(s.d, calculateStatus(s, allRSs, newRS))) await cleanupDeployment(s, oldRSs);
  await syncRolloutStatus(s, allRSs, newRS);
}

async function reconcileNewReplicaSet(s: SyncState, allRSs: ReplicaSet[], newRS: ReplicaSet): Promise<{ scaled: boolean; rs: ReplicaSet }> {
  const want = replicasOf(s.d);
  if (replicasOf(newRS) === want) return { scaled: false, rs: newRS };
  if (replicasOf(newRS) > want) return scaleReplicaSet(s, newRS, want);
  return scaleReplicaSet(s, newRS, newRSNewReplicas(s.d, allRSs, newRS));
}

/**
 * reconcileOldReplicaSets scales old ReplicaSets down as far as availability allows: the pods that may
 * go are everything above minAvailable, minus the new ReplicaSet's pods that are not yet available.
 */
async function reconcileOldReplicaSets(s: SyncState, oldRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<boolean> {
  const active = activeReplicaSets(oldRSs);
  if (sumReplicas(active) === 0) return false;
  const allPods = sumReplicas(oldRSs) + (newRS ? replicasOf(newRS) : 0);
  const minAvailable = replicasOf(s.d) - maxUnavailable(s.d);
  const newUnavailable = newRS ? replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0) : 0;
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const cleaned = await cleanupUnhealthyReplicas(s, active, maxScaledDown);
  const fresh = active.map((rs) => s.rsList.find((x) => x.metadata?.uid === rs.metadata?.uid) ?? rs);
  const scaled = await scaleDownOldReplicaSets(s, fresh, newRS);
  return cleaned + scaled > 0;
}

/** cleanupUnhealthyReplicas removes old replicas that are not available, oldest ReplicaSet first. */
async function cleanupUnhealthyReplicas(s: SyncState, oldRSs: ReplicaSet[], maxCleanup: number): Promise<number> {
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= maxCleanup) break;
    const unhealthy = replicasOf(rs) - (rs.status?.availableReplicas ?? 0);
    if (replicasOf(rs) === 0 || unhealthy <= 0) continue;
    const n = Math.min(maxCleanup - total, unhealthy);
    await scaleReplicaSet(s, rs, replicasOf(rs) - n);
    total += n;
  }
  return total;
}

/** scaleDownOldReplicaSets removes available old replicas down to minAvailable, oldest first. */
async function scaleDownOldReplicaSets(s: SyncState, oldRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<number> {
  const minAvailable = replicasOf(s.d) - maxUnavailable(s.d);
  const available = sumStatus([...oldRSs, ...(newRS ? [newRS] : [])], 'availableReplicas');
  if (available <= minAvailable) return 0;
  const target = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= target) break;
    if (replicasOf(rs) === 0) continue;
    const n = Math.min(replicasOf(rs), target - total);
    await scaleReplicaSet(s, rs, replicasOf(rs) - n);
    total += n;
  }
  return total;
}

/**
 * The Recreate strategy (upstream recreate.go): scale every old ReplicaSet to zero, wait until none of
 * their pods runs any more, then create or scale up the new ReplicaSet.
 */
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { activeReplicaSets, deploymentComplete, replicasOf } from './util.js';
import { calculateStatus } from './status.js';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, scaleReplicaSet, type SyncState } from './sync.js';
import { syncRolloutStatus } from './progress.js';

export async function rolloutRecreate(s: SyncState): Promise<void> {
  const first = await getAllReplicaSetsAndSyncRevision(s, false);
  let scaledDown = false;
  for (const rs of activeReplicaSets(first.oldRSs)) {
    if ((await scaleReplicaSet(s, rs, 0)).scaled) scaledDown = true;
  }
  const olds = (): ReplicaSet[] => first.oldRSs.map((rs) => s.rsList.find((x) => x.metadata?.uid === rs.metadata?.uid) ?? rs);
  if (scaledDown || oldPodsRunning(s, first.newRS, olds())) {
    const all = first.newRS ? [...olds(), first.newRS] : olds();
    return syncRolloutStatus(s, all, first.newRS);
  }
  let { newRS, oldRSs } = first.newRS ? first : await getAllReplicaSetsAndSyncRevision(s, true);
  oldRSs = oldRSs.map((rs) => s.rsList.find((x) => x.metadata?.uid === rs.metadata?.uid) ?? rs);
  if (newRS && replicasOf(newRS) !== replicasOf(s.d)) newRS = (await scaleReplicaSet(s, newRS, replicasOf(s.d))).rs;
  const all = newRS ? [...oldRSs, newRS] : oldRSs;
  if (deploymentComplete(s.d, calculateStatus(s, all, newRS))) await cleanupDeployment(s, oldRSs);
  await syncRolloutStatus(s, all, newRS);
}

/** oldPodsRunning: an old ReplicaSet still reports replicas, or one of its pods has not finished. */
function oldPodsRunning(s: SyncState, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
  if (oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
  for (const [uid, pods] of s.podsByRs) {
    if (newRS && uid === newRS.metadata?.uid) continue;
    if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true;
  }
  return false;
}

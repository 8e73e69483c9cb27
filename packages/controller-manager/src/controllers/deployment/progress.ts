/**
 * Rollout progress (upstream progress.go): the Progressing condition that `kubectl rollout status` reads —
 * ReplicaSetUpdated while pods move, NewReplicaSetAvailable once complete, ProgressDeadlineExceeded when
 * nothing moved for progressDeadlineSeconds — and a requeue at the deadline so a stuck rollout is noticed.
 */
import type { DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import {
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  newCondition,
  progressDeadlineMs,
  reasons,
  removeCondition,
  setCondition,
} from './util.js';
import { updateDeploymentStatus, type SyncState } from './sync.js';
import { calculateStatus, statusEqual } from './status.js';

export async function syncRolloutStatus(s: SyncState, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
  const d = s.d;
  const now = s.c.ctx.clock.now();
  const status = calculateStatus(s, allRSs, newRS);
  if (progressDeadlineMs(d) === undefined) removeCondition(status, 'Progressing');
  const current = getCondition(status, 'Progressing');
  const complete = status.replicas === status.updatedReplicas && current?.reason === reasons.newRSAvailable;
  if (progressDeadlineMs(d) !== undefined && !complete) {
    const rsName = newRS?.metadata?.name;
    if (deploymentComplete(d, status)) {
      const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : 'Deployment has successfully progressed.';
      setCondition(status, newCondition('Progressing', 'True', reasons.newRSAvailable, msg, now));
    } else if (deploymentProgressing(d, status)) {
      const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : 'Deployment is progressing.';
      const cond = newCondition('Progressing', 'True', reasons.rsUpdated, msg, now);
      // Progress refreshes lastUpdateTime (the deadline restarts) but keeps the transition time.
      if (current?.status === 'True' && current.lastTransitionTime) cond.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, 'Progressing');
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, now)) {
      const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : 'Deployment has timed out progressing.';
      setCondition(status, newCondition('Progressing', 'False', reasons.timedOut, msg, now));
    }
  }
  const failure = allRSs.flatMap((rs) => rs.status?.conditions ?? []).find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (failure) {
    setCondition(status, newCondition('ReplicaFailure', 'True', failure.reason ?? '', failure.message ?? '', now));
  } else {
    removeCondition(status, 'ReplicaFailure');
  }
  if (statusEqual(d.status, status)) {
    requeueStuckDeployment(s, status);
    return;
  }
  s.d.status = status;
  await updateDeploymentStatus(s);
}

/** requeueStuckDeployment schedules a sync at the progress deadline of a rollout that is not moving. */
function requeueStuckDeployment(s: SyncState, status: DeploymentStatus): void {
  const deadline = progressDeadlineMs(s.d);
  const cond = getCondition(status, 'Progressing');
  if (deadline === undefined || !cond || cond.reason === reasons.newRSAvailable || cond.reason === reasons.timedOut) return;
  if (deploymentComplete(s.d, status)) return;
  const from = Date.parse(cond.lastUpdateTime ?? '');
  if (Number.isNaN(from)) return;
  const after = from + deadline - s.c.ctx.clock.now();
  s.c.queue.addAfter(s.c.keyOf(s.d), after < 1000 ? 0 : after + 1000);
}

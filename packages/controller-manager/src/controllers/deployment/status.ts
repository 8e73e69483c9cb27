/** Deployment status (upstream sync.go calculateStatus): counters from the ReplicaSets and the Available condition. */
import type { DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { canonicalJson } from '../../shared/index.js';
import { maxUnavailable, newCondition, reasons, replicasOf, setCondition, sumReplicas, sumStatus } from './util.js';
import { updateDeploymentStatus, type SyncState } from './sync.js';

/** calculateStatus derives the deployment's status from its ReplicaSets (upstream calculateStatus). */
export function calculateStatus(s: SyncState, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): DeploymentStatus {
  const d = s.d;
  const available = sumStatus(allRSs, 'availableReplicas');
  const total = sumReplicas(allRSs);
  // Zero counters are omitted, as the API's omitempty fields are.
  const counters: Record<string, number> = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: sumStatus(allRSs, 'replicas'),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sumStatus(allRSs, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
  };
  const status: DeploymentStatus = {
    ...Object.fromEntries(Object.entries(counters).filter(([, v]) => v !== 0)),
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
    ...(d.status?.conditions ? { conditions: structuredClone(d.status.conditions) } : {}),
  };
  const now = s.c.ctx.clock.now();
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', reasons.minimumAvailable, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition('Available', 'False', reasons.minimumUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** statusEqual compares statuses semantically (absent counters are 0). */
export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  const norm = (x: DeploymentStatus | undefined): string =>
    canonicalJson({
      observedGeneration: x?.observedGeneration ?? 0,
      replicas: x?.replicas ?? 0,
      updatedReplicas: x?.updatedReplicas ?? 0,
      readyReplicas: x?.readyReplicas ?? 0,
      availableReplicas: x?.availableReplicas ?? 0,
      unavailableReplicas: x?.unavailableReplicas ?? 0,
      collisionCount: x?.collisionCount ?? 0,
      conditions: x?.conditions ?? [],
    });
  return norm(a) === norm(b);
}

/** syncDeploymentStatus writes the computed status when it changed (no Progressing bookkeeping). */
export async function syncDeploymentStatus(s: SyncState, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
  const status = calculateStatus(s, allRSs, newRS);
  if (statusEqual(s.d.status, status)) return;
  s.d.status = status;
  await updateDeploymentStatus(s);
}

import type { ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isConflict } from '@nanokube/api';
import type { ResourceClient } from '@nanokube/client';
import { isPodAvailable, isPodReady } from '../../shared/index.js';
import { canonicalJson } from '../../shared/hash.js';

/** calculateStatus derives a ReplicaSet's status from the pods it controls (upstream calculateStatus). */
export function calculateStatus(rs: ReplicaSet, pods: Pod[], manageErr: unknown, nowMs: number): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    const labels = pod.metadata?.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, nowMs)) available++;
    }
  }
  const conditions = (rs.status?.conditions ?? []).filter((c) => c.type !== 'ReplicaFailure');
  const prior = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
  if (manageErr !== undefined) {
    const want = rs.spec?.replicas ?? 1;
    const reason = pods.length < want ? 'FailedCreate' : 'FailedDelete';
    const message = (manageErr as Error).message ?? String(manageErr);
    const cond: ReplicaSetCondition = {
      type: 'ReplicaFailure',
      status: 'True',
      reason,
      message,
      lastTransitionTime: prior?.status === 'True' ? prior.lastTransitionTime : new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    conditions.push(cond);
  }
  // Zero counters other than replicas are omitted, as the API's omitempty fields are.
  return {
    replicas: pods.length,
    ...(fullyLabeled > 0 ? { fullyLabeledReplicas: fullyLabeled } : {}),
    ...(ready > 0 ? { readyReplicas: ready } : {}),
    ...(available > 0 ? { availableReplicas: available } : {}),
    ...(rs.metadata?.generation ? { observedGeneration: rs.metadata.generation } : {}),
    ...(conditions.length > 0 ? { conditions } : {}),
  };
}

/** statusEqual compares two statuses treating absent counters as 0, as the API omits zeros. */
function statusEqual(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  const norm = (s: ReplicaSetStatus | undefined): string =>
    canonicalJson({
      replicas: s?.replicas ?? 0,
      fullyLabeledReplicas: s?.fullyLabeledReplicas ?? 0,
      readyReplicas: s?.readyReplicas ?? 0,
      availableReplicas: s?.availableReplicas ?? 0,
      observedGeneration: s?.observedGeneration ?? 0,
      conditions: s?.conditions ?? [],
    });
  return norm(a) === norm(b);
}

/**
 * updateReplicaSetStatus writes status through the status subresource when it changed. `rs` is a copy
 * the caller owns. On a conflict it re-reads the ReplicaSet once and retries, as upstream does.
 */
export async function updateReplicaSetStatus(client: ResourceClient<ReplicaSet>, rs: ReplicaSet, status: ReplicaSetStatus): Promise<ReplicaSet> {
  let current = rs;
  for (let attempt = 0; ; attempt++) {
    if (statusEqual(current.status, status) && current.status?.observedGeneration === current.metadata?.generation) return current;
    try {
      return await client.updateStatus({ ...current, status });
    } catch (err) {
      if (!isConflict(err) || attempt >= 1) throw err;
      current = await client.get(current.metadata?.name ?? '');
      if (current.metadata?.generation !== undefined) status = { ...status, observedGeneration: current.metadata.generation };
    }
  }
}

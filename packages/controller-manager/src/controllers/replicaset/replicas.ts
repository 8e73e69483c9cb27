import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isForbidden, isNotFound } from '@nanokube/api';
import {
  compareActivePodsForDeletion,
  newControllerRef,
  podFromTemplate,
  podKey,
  slowStartBatch,
} from '../../shared/index.js';
import { burstReplicas, eventTarget, replicaSetKind, type ReplicaSetController } from './controller.js';

/**
 * manageReplicas creates or deletes pods so that `pods` (the active pods the ReplicaSet controls)
 * converges on spec.replicas. It sets expectations before the first request and lowers them for every
 * request that failed, so the next sync waits exactly for what was really written.
 */
export async function manageReplicas(c: ReplicaSetController, pods: Pod[], rs: ReplicaSet, key: string): Promise<void> {
  const want = rs.spec?.replicas ?? 1;
  const diff = pods.length - want;
  if (diff < 0) await createPods(c, rs, key, Math.min(-diff, burstReplicas));
  else if (diff > 0) await deletePods(c, rs, key, podsToDelete(pods, Math.min(diff, burstReplicas)));
}

async function createPods(c: ReplicaSetController, rs: ReplicaSet, key: string, count: number): Promise<void> {
  const namespace = rs.metadata?.namespace ?? '';
  c.expectations.expectCreations(key, count);
  const pods = c.podClient.inNamespace(namespace);
  const { successes, error } = await slowStartBatch(count, 1, async () => {
    const pod = podFromTemplate({
      template: rs.spec?.template,
      namespace,
      generateName: `${rs.metadata?.name}-`,
      controllerRef: newControllerRef(rs, replicaSetKind),
    });
    try {
      const created = await pods.create(pod);
      c.ctx.recorder.event(eventTarget(rs), 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
    } catch (err) {
      c.ctx.recorder.event(eventTarget(rs), 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      // A terminating namespace refuses new objects; that is not worth retrying.
      if (isForbidden(err) && /being terminated/.test((err as Error).message)) return;
      throw err;
    }
  });
  // Creates that were never sent or failed will never be observed.
  const skipped = count - successes;
  for (let i = 0; i < skipped; i++) c.expectations.creationObserved(key);
  if (error !== undefined) throw error;
}

async function deletePods(c: ReplicaSetController, rs: ReplicaSet, key: string, victims: Pod[]): Promise<void> {
  const namespace = rs.metadata?.namespace ?? '';
  c.expectations.expectDeletions(key, victims.map(podKey));
  const pods = c.podClient.inNamespace(namespace);
  const results = await Promise.allSettled(
    victims.map(async (pod) => {
      try {
        await pods.delete(pod.metadata?.name ?? '', { preconditions: { uid: pod.metadata?.uid ?? '' } });
        c.ctx.recorder.event(eventTarget(rs), 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
      } catch (err) {
        // The delete event will never come: stop waiting for it.
        c.expectations.deletionObserved(key, podKey(pod));
        if (isNotFound(err)) return;
        c.ctx.recorder.event(eventTarget(rs), 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
        throw err;
      }
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** podsToDelete picks the `count` least valuable pods: unscheduled, pending, not ready, young first. */
export function podsToDelete(pods: Pod[], count: number): Pod[] {
  return [...pods].sort(compareActivePodsForDeletion).slice(0, count);
}

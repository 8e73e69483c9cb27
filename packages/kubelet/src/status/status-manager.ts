/**
 * The status manager writes pod statuses to the apiserver (upstream's pkg/kubelet/status). It remembers
 * the last status it wrote per pod, writes only when something changed, keeps condition transition times
 * while a condition holds, and finishes graceful deletion: once the kubelet has stopped a deleted pod's
 * containers it deletes the pod with grace period 0 and a UID precondition, which is what makes the
 * apiserver remove it.
 */
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { deepEqual, isConflict, isNotFound } from '@nanokube/api';
import type { ResourceClient } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';
import { createMergePatch } from '../internal/merge-patch.js';
import { stampConditions } from './generate.js';

/** PodClient is the part of the pods client the status manager uses. */
export type PodClient = Pick<ResourceClient<Pod>, 'patch' | 'delete' | 'inNamespace'>;

/** StatusManager writes pod statuses and completes pod deletion. One per node. */
export class StatusManager {
  private readonly written = new Map<string, PodStatus>();

  constructor(private readonly deps: { pods: PodClient; log: Logger; now: () => number }) {}

  /**
   * setPodStatus stamps `status`'s conditions against the last known status and writes it when it differs.
   * Returns the status as written (or as already present). Throws when the write failed for a reason
   * other than the pod being gone, so the pod worker retries.
   */
  async setPodStatus(pod: Pod, status: PodStatus): Promise<PodStatus> {
    const uid = pod.metadata?.uid ?? '';
    const base = this.written.get(uid) ?? pod.status ?? {};
    const next: PodStatus = { ...status, conditions: stampConditions(status.conditions ?? [], base.conditions, this.deps.now()) };
    if (deepEqual(base, next)) return base;
    const patch = { metadata: { uid }, status: createMergePatch(base, next) };
    try {
      await this.client(pod).patch(pod.metadata?.name ?? '', 'merge', patch, { subresource: 'status' });
      this.written.set(uid, next);
      this.deps.log.debug({ pod: podRef(pod), phase: next.phase }, 'Updated pod status');
    } catch (err) {
      this.written.delete(uid);
      if (isNotFound(err)) return next;
      throw err;
    }
    return next;
  }

  /** lastStatus returns what was last written for a pod, if anything. */
  lastStatus(uid: string): PodStatus | undefined {
    return this.written.get(uid);
  }

  /**
   * deletePod removes a pod whose containers are all stopped: grace period 0 with the UID precondition, so a
   * recreated pod of the same name is never deleted by mistake. A pod already gone is success.
   */
  async deletePod(pod: Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    try {
      await this.client(pod).delete(pod.metadata?.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid } });
      this.deps.log.debug({ pod: podRef(pod) }, 'Deleted pod after its containers stopped');
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** forget drops what is remembered about a pod that left the node. */
  forget(uid: string): void {
    this.written.delete(uid);
  }

  private client(pod: Pod): PodClient {
    return this.deps.pods.inNamespace(pod.metadata?.namespace ?? 'default');
  }
}

/** podRef renders `namespace/name` for log fields. */
export function podRef(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { metaNamespaceKey } from '@nanokube/client';

/** podKey is the `namespace/name` key of a pod (the key expectations track deletions by). */
export function podKey(pod: Pod): string {
  return metaNamespaceKey(pod);
}

/** getPodCondition returns the pod's condition of the given type. */
export function getPodCondition(pod: Pod, type: string): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/** isPodReady reports whether the pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return getPodCondition(pod, 'Ready')?.status === 'True';
}

/**
 * isPodAvailable reports whether the pod has been Ready for at least minReadySeconds at `nowMs`
 * (upstream podutil.IsPodAvailable).
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  const ready = getPodCondition(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= nowMs;
}

/** isPodActive: not finished and not being deleted (upstream controller.IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

/** isPodTerminating: deletion requested but the pod has not finished. */
export function isPodTerminating(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

/** Ranks of a pod's phase for deletion order: unscheduled < pending < unknown < running. */
function phaseRank(pod: Pod): number {
  if (!pod.spec?.nodeName) return 0;
  switch (pod.status?.phase) {
    case 'Pending':
      return 1;
    case 'Unknown':
      return 2;
    case 'Running':
      return 3;
    default:
      return 1;
  }
}

function restarts(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => Math.max(n, c.restartCount ?? 0), 0);
}

function time(s: string | undefined): number {
  const t = s ? Date.parse(s) : NaN;
  return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
}

/**
 * compareActivePodsForDeletion orders pods so the ones to delete first come first (upstream
 * ActivePods.Less): unscheduled before scheduled, pending before unknown before running, not ready
 * before ready, ready for less time first, more restarts first, newer first.
 */
export function compareActivePodsForDeletion(a: Pod, b: Pod): number {
  const ra = phaseRank(a);
  const rb = phaseRank(b);
  if (ra !== rb) return ra - rb;
  const readyA = isPodReady(a);
  const readyB = isPodReady(b);
  if (readyA !== readyB) return readyA ? 1 : -1;
  if (readyA && readyB) {
    const ta = time(getPodCondition(a, 'Ready')?.lastTransitionTime);
    const tb = time(getPodCondition(b, 'Ready')?.lastTransitionTime);
    if (ta !== tb) return tb - ta;
  }
  const rsA = restarts(a);
  const rsB = restarts(b);
  if (rsA !== rsB) return rsB - rsA;
  const ca = time(a.metadata?.creationTimestamp);
  const cb = time(b.metadata?.creationTimestamp);
  return cb - ca;
}

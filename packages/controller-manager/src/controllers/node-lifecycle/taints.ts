/** Node condition taints and toleration matching (upstream nodelifecycle + v1helper taint helpers). */
import type { Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';

export const taintKeys = {
  notReady: 'node.kubernetes.io/not-ready',
  unreachable: 'node.kubernetes.io/unreachable',
  memoryPressure: 'node.kubernetes.io/memory-pressure',
  diskPressure: 'node.kubernetes.io/disk-pressure',
  pidPressure: 'node.kubernetes.io/pid-pressure',
  networkUnavailable: 'node.kubernetes.io/network-unavailable',
  unschedulable: 'node.kubernetes.io/unschedulable',
} as const;

const managedKeys = new Set<string>(Object.values(taintKeys));

function conditionStatus(node: Node, type: string): string | undefined {
  return node.status?.conditions?.find((c) => c.type === type)?.status;
}

/**
 * desiredConditionTaints returns the taints the node's conditions call for: NoSchedule taints for
 * NotReady/Unreachable/pressure/unschedulable, and NoExecute not-ready or unreachable taints that start
 * the eviction of pods not tolerating them.
 */
export function desiredConditionTaints(node: Node, allowNoExecute = true): { key: string; effect: 'NoSchedule' | 'NoExecute' }[] {
  const out: { key: string; effect: 'NoSchedule' | 'NoExecute' }[] = [];
  const ready = conditionStatus(node, 'Ready');
  const readyKey = ready === 'False' ? taintKeys.notReady : ready === 'Unknown' ? taintKeys.unreachable : undefined;
  if (readyKey) out.push({ key: readyKey, effect: 'NoSchedule' });
  if (readyKey && allowNoExecute) out.push({ key: readyKey, effect: 'NoExecute' });
  if (conditionStatus(node, 'MemoryPressure') === 'True') out.push({ key: taintKeys.memoryPressure, effect: 'NoSchedule' });
  if (conditionStatus(node, 'DiskPressure') === 'True') out.push({ key: taintKeys.diskPressure, effect: 'NoSchedule' });
  if (conditionStatus(node, 'PIDPressure') === 'True') out.push({ key: taintKeys.pidPressure, effect: 'NoSchedule' });
  if (conditionStatus(node, 'NetworkUnavailable') === 'True') out.push({ key: taintKeys.networkUnavailable, effect: 'NoSchedule' });
  if (node.spec?.unschedulable) out.push({ key: taintKeys.unschedulable, effect: 'NoSchedule' });
  return out;
}

/**
 * reconcileTaints returns the node's new taint list when the managed taints differ from the desired
 * ones (undefined when nothing changes). Taints the controller does not manage are kept as they are;
 * new NoExecute taints get timeAdded, from which tolerationSeconds count. Without allowNoExecute (full
 * disruption) the NoExecute taints are removed, which cancels pending evictions.
 */
export function reconcileTaints(node: Node, nowIso: string, allowNoExecute = true): Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const desired = desiredConditionTaints(node, allowNoExecute);
  const has = (t: { key: string; effect: string }): boolean => current.some((c) => c.key === t.key && c.effect === t.effect);
  const wanted = (t: Taint): boolean => desired.some((d) => d.key === t.key && d.effect === t.effect);
  const stale = current.filter((t) => managedKeys.has(t.key) && !wanted(t));
  const missing = desired.filter((d) => !has(d));
  if (stale.length === 0 && missing.length === 0) return undefined;
  const kept = current.filter((t) => !stale.includes(t));
  return [...kept, ...missing.map((d) => ({ key: d.key, effect: d.effect, ...(d.effect === 'NoExecute' ? { timeAdded: nowIso } : {}) }))];
}

/** tolerates reports whether a toleration matches a taint (upstream Toleration.ToleratesTaint). */
export function tolerates(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (!tol.key) return tol.operator === 'Exists';
  if (tol.key !== taint.key) return false;
  if (tol.operator === 'Exists') return true;
  return (tol.value ?? '') === (taint.value ?? '');
}

/**
 * evictionDelayMs returns how long a pod may stay on a node with these NoExecute taints: 0 when one is
 * not tolerated, Infinity when all are tolerated forever, else the smallest tolerationSeconds among the
 * tolerations used (upstream getMinTolerationTime).
 */
export function evictionDelayMs(pod: Pod, taints: Taint[]): number {
  const tolerations = pod.spec?.tolerations ?? [];
  let min = Infinity;
  for (const taint of taints) {
    const used = tolerations.filter((t) => (t.effect ?? 'NoExecute') !== 'NoSchedule' && t.effect !== 'PreferNoSchedule' && tolerates(t, taint));
    if (used.length === 0) return 0;
    for (const t of used) if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) min = Math.min(min, Math.max(0, t.tolerationSeconds) * 1000);
  }
  return min;
}

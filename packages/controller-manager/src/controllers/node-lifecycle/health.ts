import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';

/** The conditions set to Unknown when the kubelet stops reporting (upstream nodeConditionTypes). */
export const kubeletConditions = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** What the controller last saw of a node's heartbeats, timed by the controller's own clock. */
export interface NodeHealth {
  /** When a heartbeat (Lease renewal or Ready heartbeat) was last seen to change. */
  probeMs: number;
  leaseRenewTime?: string;
  readyHeartbeat?: string;
}

/**
 * observeHeartbeat updates a node's health record: a new Lease renewTime or Ready lastHeartbeatTime
 * moves probeMs to now. Comparing observations rather than the timestamps themselves makes this immune
 * to clock skew between the kubelet and the controller-manager, as upstream's probeTimestamp is.
 */
export function observeHeartbeat(prior: NodeHealth | undefined, node: Node, leaseRenewTime: string | undefined, nowMs: number): NodeHealth {
  const readyHeartbeat = node.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime;
  if (!prior) return { probeMs: nowMs, ...(leaseRenewTime ? { leaseRenewTime } : {}), ...(readyHeartbeat ? { readyHeartbeat } : {}) };
  if (prior.leaseRenewTime === leaseRenewTime && prior.readyHeartbeat === readyHeartbeat) return prior;
  return { probeMs: nowMs, ...(leaseRenewTime ? { leaseRenewTime } : {}), ...(readyHeartbeat ? { readyHeartbeat } : {}) };
}

/**
 * markUnknown returns the node's conditions after the grace period expired: Ready and the pressure
 * conditions become Unknown with `NodeStatusUnknown` (or Ready is added as `NodeStatusNeverUpdated` for a
 * node that never reported). Undefined when they are already Unknown.
 */
export function markUnknown(node: Node, nowIso: string): NodeCondition[] | undefined {
  const conditions = structuredClone(node.status?.conditions ?? []) as NodeCondition[];
  let changed = false;
  const ready = conditions.find((c) => c.type === 'Ready');
  if (!ready) {
    conditions.push({
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusNeverUpdated',
      message: 'Kubelet never posted node status.',
      lastHeartbeatTime: node.metadata?.creationTimestamp ?? nowIso,
      lastTransitionTime: nowIso,
    });
    changed = true;
  }
  for (const c of conditions) {
    if (!kubeletConditions.includes(c.type) || c.status === 'Unknown') continue;
    c.status = 'Unknown';
    c.reason = 'NodeStatusUnknown';
    c.message = 'Kubelet stopped posting node status.';
    c.lastTransitionTime = nowIso;
    changed = true;
  }
  return changed ? conditions : undefined;
}

/**
 * FitError is "no node fits this pod", with the per-node reasons that make up upstream's message:
 * `0/4 nodes are available: 1 node(s) had untolerated taint {...}, 3 Insufficient cpu. preemption: ...`.
 */
import type { NodeToStatus } from './interfaces.js';

/** The diagnosis of a failed scheduling attempt. */
export interface Diagnosis {
  nodeToStatus: NodeToStatus;
  /** Set when a PreFilter rejected the pod: its message replaces the per-node histogram. */
  preFilterMsg?: string;
  /** The PostFilter (preemption) message. */
  postFilterMsg?: string;
  /** Plugins that rejected at least one node (used to decide which cluster events may help). */
  unschedulablePlugins: Set<string>;
}

/** formatNodeHistogram renders `0/N nodes are available: <count> <reason>, ...` (sorted as strings). */
export function formatNodeHistogram(nodeToStatus: NodeToStatus): string {
  const counts = new Map<string, number>();
  for (const s of nodeToStatus.statuses.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const absent = nodeToStatus.numAllNodes - nodeToStatus.statuses.size;
  if (absent > 0 && nodeToStatus.absentStatus) for (const r of nodeToStatus.absentStatus.reasons) counts.set(r, (counts.get(r) ?? 0) + absent);
  const parts = [...counts].map(([reason, n]) => `${n} ${reason}`).sort();
  let msg = `0/${nodeToStatus.numAllNodes} nodes are available:`;
  if (parts.length) msg += ` ${parts.join(', ')}.`;
  return msg;
}

/** FitError is thrown by schedulePod when no node fits. */
export class FitError extends Error {
  override readonly name = 'FitError';

  constructor(
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    super(`0/${numAllNodes} nodes are available`);
  }

  /**
   * describe renders upstream's FitError.Error() text; call it after PostFilter has filled in
   * `diagnosis.postFilterMsg`.
   */
  describe(): string {
    const d = this.diagnosis;
    let msg = `0/${this.numAllNodes} nodes are available:`;
    if (d.preFilterMsg) msg += ` ${d.preFilterMsg}.`;
    else msg = formatNodeHistogram(d.nodeToStatus);
    if (d.postFilterMsg) msg += ` ${d.postFilterMsg}.`;
    return msg;
  }
}

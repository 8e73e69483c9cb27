/**
 * NodeResourcesFit filters out nodes whose allocatable resources (and pod count) cannot take the pod's
 * requests on top of what is already requested there, and scores nodes with the LeastAllocated
 * strategy: the more CPU and memory stays free, the better (requests with upstream's non-zero defaults).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { maxNodeScore, type FilterPlugin, type PreFilterPlugin, type PreFilterResult, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { cyclePodInfo, type PodInfo } from '../../framework/pod-info.js';
import type { Resource } from '../../framework/resource.js';
import { unschedulable, type Status } from '../../framework/status.js';
import { names } from '../names.js';

export const name = names.nodeResourcesFit;
/** Reasons, as upstream words them. */
export const reasonTooManyPods = 'Too many pods';
export const reasonInsufficientCpu = 'Insufficient cpu';
export const reasonInsufficientMemory = 'Insufficient memory';
export const reasonInsufficientEphemeralStorage = 'Insufficient ephemeral-storage';

const preFilterStateKey = `PreFilter${name}`;

/** A resource that does not fit, with the numbers that show why. */
export interface InsufficientResource {
  resourceName: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
}

/** fitsRequest lists the resources that do not fit (upstream fitsRequest). */
export function fitsRequest(req: Resource, nodeInfo: NodeInfo): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  if (nodeInfo.pods.length + 1 > alloc.allowedPodNumber) {
    out.push({ resourceName: 'pods', reason: reasonTooManyPods, requested: 1, used: nodeInfo.pods.length, capacity: alloc.allowedPodNumber });
  }
  if (req.milliCpu === 0 && req.memory === 0 && req.ephemeralStorage === 0 && req.scalar.size === 0) return out;
  if (req.milliCpu > 0 && req.milliCpu > alloc.milliCpu - used.milliCpu) {
    out.push({ resourceName: 'cpu', reason: reasonInsufficientCpu, requested: req.milliCpu, used: used.milliCpu, capacity: alloc.milliCpu });
  }
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) {
    out.push({ resourceName: 'memory', reason: reasonInsufficientMemory, requested: req.memory, used: used.memory, capacity: alloc.memory });
  }
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    out.push({
      resourceName: 'ephemeral-storage',
      reason: reasonInsufficientEphemeralStorage,
      requested: req.ephemeralStorage,
      used: used.ephemeralStorage,
      capacity: alloc.ephemeralStorage,
    });
  }
  for (const [rName, q] of req.scalar) {
    if (q === 0) continue;
    const a = alloc.scalar.get(rName) ?? 0;
    const u = used.scalar.get(rName) ?? 0;
    if (q > a - u) out.push({ resourceName: rName, reason: `Insufficient ${rName}`, requested: q, used: u, capacity: a });
  }
  return out;
}

/** leastRequestedScore is the share of capacity left free, 0..100 (0 when over capacity). */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * maxNodeScore) / capacity);
}

/** create builds the plugin (score strategy LeastAllocated, cpu and memory weighted 1 each). */
export function create(): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  return {
    name,
    preFilter(state: CycleState, pod: Pod): PreFilterResult | undefined {
      state.write(preFilterStateKey, cyclePodInfo(state, pod).requests);
      return undefined;
    },
    filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
      const req = state.read<Resource>(preFilterStateKey) ?? cyclePodInfo(state, pod).requests;
      const insufficient = fitsRequest(req, nodeInfo);
      return insufficient.length ? unschedulable(...insufficient.map((r) => r.reason)) : undefined;
    },
    preScore(state: CycleState, pod: Pod): Status | undefined {
      cyclePodInfo(state, pod);
      return undefined;
    },
    score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
      const pi: PodInfo = cyclePodInfo(state, pod);
      const cpu = leastRequestedScore(nodeInfo.nonZeroMilliCpu + pi.nonZeroMilliCpu, nodeInfo.allocatable.milliCpu);
      const mem = leastRequestedScore(nodeInfo.nonZeroMemory + pi.nonZeroMemory, nodeInfo.allocatable.memory);
      return Math.floor((cpu + mem) / 2);
    },
  } satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;
}

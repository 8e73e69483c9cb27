/**
 * NodeResourcesBalancedAllocation favours nodes whose CPU and memory would be used in similar
 * proportions after placing the pod: score = (1 - standard deviation of the fractions) * 100. Pods that
 * request nothing are skipped, as upstream does.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { maxNodeScore, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { cyclePodInfo } from '../../framework/pod-info.js';
import { skip, type Status } from '../../framework/status.js';
import { names } from '../names.js';

export const name = names.nodeResourcesBalancedAllocation;

/** balancedScore computes the score from requested and allocatable amounts per resource. */
export function balancedScore(requested: readonly number[], allocatable: readonly number[]): number {
  const fractions: number[] = [];
  for (let i = 0; i < requested.length; i++) {
    const a = allocatable[i] ?? 0;
    if (a === 0) continue;
    fractions.push(Math.min((requested[i] ?? 0) / a, 1));
  }
  let std = 0;
  if (fractions.length === 2) std = Math.abs(((fractions[0] as number) - (fractions[1] as number)) / 2);
  else if (fractions.length > 2) {
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) ** 2, 0) / fractions.length);
  }
  return Math.floor((1 - std) * maxNodeScore);
}

/** create builds the plugin. */
export function create(): PreScorePlugin & ScorePlugin {
  return {
    name,
    preScore(state: CycleState, pod: Pod): Status | undefined {
      const r = cyclePodInfo(state, pod).requests;
      return r.milliCpu === 0 && r.memory === 0 ? skip() : undefined;
    },
    score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
      const r = cyclePodInfo(state, pod).requests;
      return balancedScore(
        [nodeInfo.requested.milliCpu + r.milliCpu, nodeInfo.requested.memory + r.memory],
        [nodeInfo.allocatable.milliCpu, nodeInfo.allocatable.memory],
      );
    },
  } satisfies PreScorePlugin & ScorePlugin;
}

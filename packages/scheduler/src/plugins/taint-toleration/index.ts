/**
 * TaintToleration filters out nodes with a NoSchedule or NoExecute taint the pod does not tolerate,
 * and scores down nodes by their untolerated PreferNoSchedule taints.
 */
import type { Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { FilterPlugin, NodeScore, PreScorePlugin, ScorePlugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { unresolvable, type Status } from '../../framework/status.js';
import { defaultNormalizeScore } from '../helper/normalize-score.js';
import { findMatchingUntoleratedTaint, tolerationsTolerateTaint } from '../helper/taints.js';
import { names } from '../names.js';

export const name = names.taintToleration;
/** errReasonUntoleratedTaint renders upstream's reason: `node(s) had untolerated taint {key: value}`. */
export function errReasonUntoleratedTaint(t: Taint): string {
  return `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`;
}
/** The reason when the node object is missing. */
export const errReasonNodeNotFound = 'node not found';

const preScoreStateKey = `PreScore${name}`;

/** create builds the plugin. */
export function create(): FilterPlugin & PreScorePlugin & ScorePlugin {
  return {
    name,
    filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
      const node = nodeInfo.node;
      if (!node) return unresolvable(errReasonNodeNotFound);
      const taint = findMatchingUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
      return taint ? unresolvable(errReasonUntoleratedTaint(taint)) : undefined;
    },
    preScore(state: CycleState, pod: Pod): Status | undefined {
      // Only tolerations that can apply to PreferNoSchedule taints matter for the score.
      const tols = (pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
      state.write(preScoreStateKey, tols);
      return undefined;
    },
    score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
      const tols = state.read<Toleration[]>(preScoreStateKey) ?? [];
      let n = 0;
      for (const t of nodeInfo.node?.spec?.taints ?? []) {
        if (t.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tols, t)) n++;
      }
      return n;
    },
    normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): void {
      defaultNormalizeScore(scores, true);
    },
  } satisfies FilterPlugin & PreScorePlugin & ScorePlugin;
}

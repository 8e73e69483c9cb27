/**
 * NodeAffinity filters nodes by `spec.nodeSelector` and required node affinity, and scores them by the
 * summed weights of the preferred terms they match. A required term that only names nodes
 * (`matchFields metadata.name In [...]`, as DaemonSet pods have) narrows the nodes in PreFilter.
 */
import type { Pod, PreferredSchedulingTerm } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { FilterPlugin, NodeScore, PreFilterPlugin, PreFilterResult, PreScorePlugin, ScorePlugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { skip, unresolvable, type Status } from '../../framework/status.js';
import { nodeSelectorTermMatches, RequiredNodeAffinity } from '../helper/node-affinity.js';
import { defaultNormalizeScore } from '../helper/normalize-score.js';
import { names } from '../names.js';

export const name = names.nodeAffinity;
/** The reason for a node that does not match. */
export const errReasonPod = "node(s) didn't match Pod's node affinity/selector";

const preFilterStateKey = `PreFilter${name}`;
const preScoreStateKey = `PreScore${name}`;

/** nodeNamesFromMatchFields returns the node names every required term pins, or undefined. */
function nodeNamesFromMatchFields(pod: Pod): Set<string> | undefined {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms?.length) return undefined;
  const out = new Set<string>();
  for (const t of terms) {
    const byName = (t.matchFields ?? []).find((f) => f.key === 'metadata.name' && f.operator === 'In');
    if (!byName) return undefined;
    for (const v of byName.values ?? []) out.add(v);
  }
  return out;
}

/** create builds the plugin. */
export function create(): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  return {
    name,
    preFilter(state: CycleState, pod: Pod): PreFilterResult | undefined {
      state.write(preFilterStateKey, new RequiredNodeAffinity(pod));
      const nodeNames = nodeNamesFromMatchFields(pod);
      return nodeNames ? { nodeNames } : undefined;
    },
    filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
      const node = nodeInfo.node;
      if (!node) return unresolvable('node not found');
      const required = state.read<RequiredNodeAffinity>(preFilterStateKey) ?? new RequiredNodeAffinity(pod);
      return required.match(node) ? undefined : unresolvable(errReasonPod);
    },
    preScore(state: CycleState, pod: Pod): Status | undefined {
      const terms = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
      if (terms.length === 0) return skip();
      state.write(preScoreStateKey, terms);
      return undefined;
    },
    score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
      const terms = state.read<PreferredSchedulingTerm[]>(preScoreStateKey) ?? [];
      const node = nodeInfo.node;
      if (!node) return 0;
      let total = 0;
      for (const t of terms) if (t.weight !== 0 && nodeSelectorTermMatches(t.preference, node)) total += t.weight;
      return total;
    },
    normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): void {
      defaultNormalizeScore(scores, false);
    },
  } satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;
}

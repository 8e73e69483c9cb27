/**
 * PodTopologySpread keeps matching pods spread over topology domains: DoNotSchedule constraints are
 * filters (skew = matching pods in the domain + self - the least-loaded domain must not exceed maxSkew),
 * ScheduleAnyway constraints (including the system defaults) are scores that prefer emptier domains.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { maxNodeScore, type FilterPlugin, type Handle, type NodeScore, type PreFilterPlugin, type PreFilterResult, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { skip, unresolvable, unschedulable, type Status } from '../../framework/status.js';
import { RequiredNodeAffinity } from '../helper/node-affinity.js';
import { names } from '../names.js';
import {
  constraintsFor,
  countPodsMatchSelector,
  labelHostname,
  matchNodeInclusionPolicies,
  nodeLabelsMatchSpreadConstraints,
  type Constraint,
} from './constraints.js';

export const name = names.podTopologySpread;
/** Reasons, as upstream words them. */
export const errReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
export const errReasonNodeLabelNotMatch = `${errReasonConstraintsNotMatch} (missing required label)`;

const preFilterStateKey = `PreFilter${name}`;
const preScoreStateKey = `PreScore${name}`;

class PreFilterState {
  constructor(
    readonly constraints: Constraint[],
    /** Per constraint: matching pods per topology value (domains with none are present with 0). */
    readonly tpValueToMatchNum: Map<string, number>[],
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(this.constraints, this.tpValueToMatchNum.map((m) => new Map(m)));
  }

  minMatchNum(i: number): number {
    const m = this.tpValueToMatchNum[i] as Map<string, number>;
    const c = this.constraints[i] as Constraint;
    if (m.size < c.minDomains) return 0;
    let min = Infinity;
    for (const v of m.values()) if (v < min) min = v;
    return min === Infinity ? 0 : min;
  }

  update(pod: Pod, changed: PodInfo, nodeInfo: NodeInfo, delta: number): void {
    const node = nodeInfo.node;
    const p = changed.pod.metadata;
    if (!node || p?.namespace !== pod.metadata?.namespace || !nodeLabelsMatchSpreadConstraints(node, this.constraints)) return;
    this.constraints.forEach((c, i) => {
      if (!c.selector.matches(p?.labels)) return;
      const v = node.metadata?.labels?.[c.topologyKey] ?? '';
      const m = this.tpValueToMatchNum[i] as Map<string, number>;
      if (m.has(v)) m.set(v, (m.get(v) ?? 0) + delta);
    });
  }
}

interface PreScoreState {
  constraints: Constraint[];
  ignoredNodes: Set<string>;
  /** Per constraint (non-hostname): matching pods per topology value. */
  pairCounts: Map<string, number>[];
  normalizingWeights: number[];
}

/** create builds the plugin. */
export function create(_args: unknown, handle: Handle): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  return {
    name,
    preFilter(state: CycleState, pod: Pod): PreFilterResult | undefined {
      const { constraints } = constraintsFor(pod, 'DoNotSchedule', handle.listers);
      if (constraints.length === 0) return { status: skip() };
      const affinity = new RequiredNodeAffinity(pod);
      const ns = pod.metadata?.namespace ?? '';
      const s = new PreFilterState(constraints, constraints.map(() => new Map()));
      for (const ni of handle.snapshot.list()) {
        const node = ni.node;
        if (!node || !nodeLabelsMatchSpreadConstraints(node, constraints)) continue;
        constraints.forEach((c, i) => {
          if (!matchNodeInclusionPolicies(c, pod, node, affinity)) return;
          const v = node.metadata?.labels?.[c.topologyKey] ?? '';
          const m = s.tpValueToMatchNum[i] as Map<string, number>;
          m.set(v, (m.get(v) ?? 0) + countPodsMatchSelector(ni.pods, c.selector, ns));
        });
      }
      state.write(preFilterStateKey, s);
      return undefined;
    },
    addPod(state: CycleState, pod: Pod, added: PodInfo, nodeInfo: NodeInfo): void {
      state.read<PreFilterState>(preFilterStateKey)?.update(pod, added, nodeInfo, 1);
    },
    removePod(state: CycleState, pod: Pod, removed: PodInfo, nodeInfo: NodeInfo): void {
      state.read<PreFilterState>(preFilterStateKey)?.update(pod, removed, nodeInfo, -1);
    },
    filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
      const s = state.read<PreFilterState>(preFilterStateKey);
      const node = nodeInfo.node;
      if (!s || !node) return undefined;
      const labels = node.metadata?.labels ?? {};
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i] as Constraint;
        const v = labels[c.topologyKey];
        if (v === undefined) return unresolvable(errReasonNodeLabelNotMatch);
        const self = c.selector.matches(pod.metadata?.labels) ? 1 : 0;
        const matchNum = s.tpValueToMatchNum[i]?.get(v) ?? 0;
        if (matchNum + self - s.minMatchNum(i) > c.maxSkew) return unschedulable(errReasonConstraintsNotMatch);
      }
      return undefined;
    },
    preScore(state: CycleState, pod: Pod, filtered: readonly NodeInfo[]): Status | undefined {
      const all = handle.snapshot.list();
      if (filtered.length === 0 || all.length === 0) return undefined;
      const { constraints, systemDefaulted } = constraintsFor(pod, 'ScheduleAnyway', handle.listers);
      if (constraints.length === 0) return skip();
      const requireAllTopologies = !systemDefaulted;
      const s: PreScoreState = { constraints, ignoredNodes: new Set(), pairCounts: constraints.map(() => new Map()), normalizingWeights: [] };
      const topoSize = constraints.map(() => 0);
      for (const ni of filtered) {
        const node = ni.node;
        if (!node) continue;
        if (requireAllTopologies && !nodeLabelsMatchSpreadConstraints(node, constraints)) {
          s.ignoredNodes.add(ni.name);
          continue;
        }
        constraints.forEach((c, i) => {
          if (c.topologyKey === labelHostname) return;
          const m = s.pairCounts[i] as Map<string, number>;
          const v = node.metadata?.labels?.[c.topologyKey] ?? '';
          if (!m.has(v)) {
            m.set(v, 0);
            topoSize[i] = (topoSize[i] as number) + 1;
          }
        });
      }
      s.normalizingWeights = constraints.map((c, i) => {
        const size = c.topologyKey === labelHostname ? filtered.length - s.ignoredNodes.size : (topoSize[i] as number);
        return Math.log(size + 2);
      });
      const affinity = new RequiredNodeAffinity(pod);
      const ns = pod.metadata?.namespace ?? '';
      for (const ni of all) {
        const node = ni.node;
        if (!node || (requireAllTopologies && !nodeLabelsMatchSpreadConstraints(node, constraints))) continue;
        constraints.forEach((c, i) => {
          if (c.topologyKey === labelHostname || !matchNodeInclusionPolicies(c, pod, node, affinity)) return;
          const m = s.pairCounts[i] as Map<string, number>;
          const v = node.metadata?.labels?.[c.topologyKey] ?? '';
          if (m.has(v)) m.set(v, (m.get(v) ?? 0) + countPodsMatchSelector(ni.pods, c.selector, ns));
        });
      }
      state.write(preScoreStateKey, s);
      return undefined;
    },
    score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
      const s = state.read<PreScoreState>(preScoreStateKey);
      if (!s || s.ignoredNodes.has(nodeInfo.name)) return 0;
      const labels = nodeInfo.node?.metadata?.labels ?? {};
      let score = 0;
      s.constraints.forEach((c, i) => {
        const v = labels[c.topologyKey];
        if (v === undefined) return;
        const cnt = c.topologyKey === labelHostname ? countPodsMatchSelector(nodeInfo.pods, c.selector, pod.metadata?.namespace ?? '') : (s.pairCounts[i]?.get(v) ?? 0);
        score += cnt * (s.normalizingWeights[i] as number) + (c.maxSkew - 1);
      });
      return Math.round(score);
    },
    normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): void {
      const s = state.read<PreScoreState>(preScoreStateKey);
      if (!s) return;
      let min = Infinity;
      let max = 0;
      for (const x of scores) {
        if (s.ignoredNodes.has(x.name)) continue;
        if (x.score < min) min = x.score;
        if (x.score > max) max = x.score;
      }
      for (const x of scores) {
        if (s.ignoredNodes.has(x.name)) x.score = 0;
        else if (max === 0) x.score = maxNodeScore;
        else x.score = Math.floor((maxNodeScore * (max + min - x.score)) / max);
      }
    },
  } satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;
}

/**
 * InterPodAffinity enforces required pod affinity and anti-affinity (the incoming pod's terms and the
 * anti-affinity terms of pods already running) by counting matching pods per topology pair in
 * PreFilter, and scores nodes by the preferred terms of both sides.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { maxNodeScore, type FilterPlugin, type Handle, type NodeScore, type PreFilterPlugin, type PreFilterResult, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { affinityTermMatches, cyclePodInfo, type AffinityTerm, type PodInfo, type WeightedAffinityTerm } from '../../framework/pod-info.js';
import { skip, unresolvable, unschedulable, type Status } from '../../framework/status.js';
import { names } from '../names.js';

export const name = names.interPodAffinity;
/** Reasons, as upstream words them. */
export const errReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules";
export const errReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules";
export const errReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules";

const preFilterStateKey = `PreFilter${name}`;
const preScoreStateKey = `PreScore${name}`;
/** Weight of an existing pod's required affinity term that the incoming pod matches (upstream default 1). */
const hardPodAffinityWeight = 1;

/** Counts of matching pods per `topologyKey\0value`. */
class TopologyCounts extends Map<string, number> {
  update(node: Node | undefined, key: string, delta: number): void {
    const v = node?.metadata?.labels?.[key];
    if (v === undefined) return;
    const pair = `${key}\u0000${v}`;
    const n = (this.get(pair) ?? 0) + delta;
    if (n === 0) this.delete(pair);
    else this.set(pair, n);
  }

  at(key: string, value: string): number {
    return this.get(`${key}\u0000${value}`) ?? 0;
  }
}

class PreFilterState {
  constructor(
    readonly podInfo: PodInfo,
    readonly existingAntiAffinityCounts = new TopologyCounts(),
    readonly affinityCounts = new TopologyCounts(),
    readonly antiAffinityCounts = new TopologyCounts(),
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(
      this.podInfo,
      new TopologyCounts(this.existingAntiAffinityCounts),
      new TopologyCounts(this.affinityCounts),
      new TopologyCounts(this.antiAffinityCounts),
    );
  }

  /** updateWithPod adds (delta 1) or removes (-1) an existing pod's contribution on a node. */
  updateWithPod(existing: PodInfo, node: Node | undefined, delta: number): void {
    const incoming = this.podInfo.pod;
    for (const t of existing.requiredAntiAffinityTerms) if (affinityTermMatches(t, incoming)) this.existingAntiAffinityCounts.update(node, t.topologyKey, delta);
    const aff = this.podInfo.requiredAffinityTerms;
    if (aff.length && aff.every((t) => affinityTermMatches(t, existing.pod))) for (const t of aff) this.affinityCounts.update(node, t.topologyKey, delta);
    for (const t of this.podInfo.requiredAntiAffinityTerms) if (affinityTermMatches(t, existing.pod)) this.antiAffinityCounts.update(node, t.topologyKey, delta);
  }
}

function satisfyPodAffinity(s: PreFilterState, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  let podsExist = true;
  for (const t of s.podInfo.requiredAffinityTerms) {
    const v = labels[t.topologyKey];
    if (v === undefined) return false;
    if (s.affinityCounts.at(t.topologyKey, v) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a group with affinity to itself: allowed if nothing matches anywhere yet.
  return s.affinityCounts.size === 0 && s.podInfo.requiredAffinityTerms.every((t) => affinityTermMatches(t, s.podInfo.pod));
}

function satisfyPodAntiAffinity(s: PreFilterState, node: Node): boolean {
  if (s.antiAffinityCounts.size === 0) return true;
  const labels = node.metadata?.labels ?? {};
  for (const t of s.podInfo.requiredAntiAffinityTerms) {
    const v = labels[t.topologyKey];
    if (v !== undefined && s.antiAffinityCounts.at(t.topologyKey, v) > 0) return false;
  }
  return true;
}

function satisfyExistingPodsAntiAffinity(s: PreFilterState, node: Node): boolean {
  if (s.existingAntiAffinityCounts.size === 0) return true;
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) if (s.existingAntiAffinityCounts.at(k, v) > 0) return false;
  return true;
}

/** Preferred-term score per topology key and value. */
type TopologyScore = Map<string, Map<string, number>>;

function processTerm(scores: TopologyScore, term: AffinityTerm, weight: number, pod: Pod, node: Node): void {
  if (!affinityTermMatches(term, pod)) return;
  const v = node.metadata?.labels?.[term.topologyKey];
  if (v === undefined) return;
  let byValue = scores.get(term.topologyKey);
  if (!byValue) scores.set(term.topologyKey, (byValue = new Map()));
  byValue.set(v, (byValue.get(v) ?? 0) + weight);
}

function processTerms(scores: TopologyScore, terms: readonly WeightedAffinityTerm[], pod: Pod, node: Node, multiplier: number): void {
  for (const t of terms) processTerm(scores, t, t.weight * multiplier, pod, node);
}

function processExistingPod(scores: TopologyScore, incoming: PodInfo, existing: PodInfo, node: Node): void {
  if (!node.metadata?.labels || Object.keys(node.metadata.labels).length === 0) return;
  processTerms(scores, incoming.preferredAffinityTerms, existing.pod, node, 1);
  processTerms(scores, incoming.preferredAntiAffinityTerms, existing.pod, node, -1);
  for (const t of existing.requiredAffinityTerms) processTerm(scores, t, hardPodAffinityWeight, incoming.pod, node);
  processTerms(scores, existing.preferredAffinityTerms, incoming.pod, node, 1);
  processTerms(scores, existing.preferredAntiAffinityTerms, incoming.pod, node, -1);
}

/** create builds the plugin; it reads every node's pods from the snapshot. */
export function create(_args: unknown, handle: Handle): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  return {
    name,
    preFilter(state: CycleState, pod: Pod): PreFilterResult | undefined {
      const pi = cyclePodInfo(state, pod);
      const s = new PreFilterState(pi);
      for (const ni of handle.snapshot.havePodsWithRequiredAntiAffinityList()) {
        for (const existing of ni.podsWithRequiredAntiAffinity) {
          for (const t of existing.requiredAntiAffinityTerms) if (affinityTermMatches(t, pod)) s.existingAntiAffinityCounts.update(ni.node, t.topologyKey, 1);
        }
      }
      if (s.existingAntiAffinityCounts.size === 0 && pi.requiredAffinityTerms.length === 0 && pi.requiredAntiAffinityTerms.length === 0) {
        return { status: skip() };
      }
      if (pi.requiredAffinityTerms.length || pi.requiredAntiAffinityTerms.length) {
        const aff = pi.requiredAffinityTerms;
        for (const ni of handle.snapshot.list()) {
          for (const existing of ni.pods) {
            if (aff.length && aff.every((t) => affinityTermMatches(t, existing.pod))) for (const t of aff) s.affinityCounts.update(ni.node, t.topologyKey, 1);
            for (const t of pi.requiredAntiAffinityTerms) if (affinityTermMatches(t, existing.pod)) s.antiAffinityCounts.update(ni.node, t.topologyKey, 1);
          }
        }
      }
      state.write(preFilterStateKey, s);
      return undefined;
    },
    addPod(state: CycleState, _pod: Pod, added: PodInfo, nodeInfo: NodeInfo): void {
      state.read<PreFilterState>(preFilterStateKey)?.updateWithPod(added, nodeInfo.node, 1);
    },
    removePod(state: CycleState, _pod: Pod, removed: PodInfo, nodeInfo: NodeInfo): void {
      state.read<PreFilterState>(preFilterStateKey)?.updateWithPod(removed, nodeInfo.node, -1);
    },
    filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status | undefined {
      const s = state.read<PreFilterState>(preFilterStateKey);
      const node = nodeInfo.node;
      if (!s || !node) return undefined;
      if (!satisfyPodAffinity(s, node)) return unresolvable(errReasonAffinityRulesNotMatch);
      if (!satisfyPodAntiAffinity(s, node)) return unschedulable(errReasonAntiAffinityRulesNotMatch);
      if (!satisfyExistingPodsAntiAffinity(s, node)) return unschedulable(errReasonExistingAntiAffinityRulesNotMatch);
      return undefined;
    },
    preScore(state: CycleState, pod: Pod): Status | undefined {
      const pi = cyclePodInfo(state, pod);
      const hasConstraints = pi.preferredAffinityTerms.length + pi.preferredAntiAffinityTerms.length > 0;
      const nodes = hasConstraints ? handle.snapshot.list() : handle.snapshot.havePodsWithAffinityList();
      const scores: TopologyScore = new Map();
      for (const ni of nodes) {
        if (!ni.node) continue;
        for (const existing of hasConstraints ? ni.pods : ni.podsWithAffinity) processExistingPod(scores, pi, existing, ni.node);
      }
      if (scores.size === 0) return skip();
      state.write(preScoreStateKey, scores);
      return undefined;
    },
    score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
      const scores = state.read<TopologyScore>(preScoreStateKey);
      const labels = nodeInfo.node?.metadata?.labels ?? {};
      let total = 0;
      for (const [key, byValue] of scores ?? []) {
        const v = labels[key];
        if (v !== undefined) total += byValue.get(v) ?? 0;
      }
      return total;
    },
    normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): void {
      if (!state.read<TopologyScore>(preScoreStateKey)?.size) return;
      let min = Infinity;
      let max = -Infinity;
      for (const s of scores) {
        if (s.score > max) max = s.score;
        if (s.score < min) min = s.score;
      }
      const diff = max - min;
      for (const s of scores) s.score = diff > 0 ? Math.trunc((maxNodeScore * (s.score - min)) / diff) : 0;
    },
  } satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;
}

/**
 * The scheduling algorithm of one cycle: PreFilter, Filter over a sample of the nodes (upstream's
 * percentageOfNodesToScore, starting where the previous cycle stopped), PreScore, Score, and selection
 * of the best node with ties broken at random. It runs synchronously against the cache.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { CycleState } from './framework/cycle-state.js';
import { FitError, type Diagnosis } from './framework/fit-error.js';
import type { SharedLister } from './framework/interfaces.js';
import type { NodeInfo } from './framework/node-info.js';
import type { Framework } from './framework/runtime.js';
import { Code, unresolvable } from './framework/status.js';

/** The message when the cluster has no nodes at all (upstream ErrNoNodesAvailable). */
export const errNoNodesAvailable = 'no nodes available to schedule pods';

const minFeasibleNodesToFind = 100;
const minFeasibleNodesPercentageToFind = 5;

/**
 * numFeasibleNodesToFind is how many feasible nodes a cycle looks for before it stops filtering:
 * every node below 100 nodes, else `percentage` of them (adaptive when 0: 50% minus 1% per 125 nodes,
 * at least 5%), never fewer than 100.
 */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < minFeasibleNodesToFind) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) pct = Math.max(50 - Math.trunc(numAllNodes / 125), minFeasibleNodesPercentageToFind);
  const n = Math.trunc((numAllNodes * pct) / 100);
  return Math.max(n, minFeasibleNodesToFind);
}

/** selectHost picks the highest total, choosing uniformly among ties (reservoir sampling). */
export function selectHost(names: readonly string[], totals: readonly number[], random: () => number = Math.random): string {
  let best = '';
  let bestScore = -Infinity;
  let ties = 0;
  for (let i = 0; i < names.length; i++) {
    const s = totals[i] as number;
    if (s > bestScore) {
      bestScore = s;
      best = names[i] as string;
      ties = 1;
    } else if (s === bestScore) {
      ties++;
      if (random() * ties < 1) best = names[i] as string;
    }
  }
  return best;
}

/** The outcome of a successful schedulePod. */
export interface ScheduleResult {
  suggestedHost: string;
  evaluatedNodes: number;
  feasibleNodes: number;
}

/** SchedulingError is an internal failure of a cycle (an Error status), not a "does not fit". */
export class SchedulingError extends Error {
  override readonly name = 'SchedulingError';
}

/** Options of {@link ScheduleAlgorithm}. */
export interface ScheduleAlgorithmOptions {
  /** 0 = adaptive, as upstream's default. */
  percentageOfNodesToScore?: number;
  random?: () => number;
}

/** ScheduleAlgorithm finds a node for a pod; it remembers where the last node search stopped. */
export class ScheduleAlgorithm {
  private nextStartNodeIndex = 0;
  private readonly percentage: number;
  private readonly random: () => number;

  constructor(opts: ScheduleAlgorithmOptions = {}) {
    this.percentage = opts.percentageOfNodesToScore ?? 0;
    this.random = opts.random ?? Math.random;
  }

  /** schedulePod returns the chosen node; throws FitError when none fits, SchedulingError on errors. */
  schedulePod(fwk: Framework, state: CycleState, pod: Pod, snapshot: SharedLister): ScheduleResult {
    const all = snapshot.list();
    if (all.length === 0) throw new SchedulingError(errNoNodesAvailable);
    const { feasible, evaluated } = this.findNodesThatFitPod(fwk, state, pod, snapshot);
    if (feasible.length === 1) return { suggestedHost: (feasible[0] as NodeInfo).name, evaluatedNodes: evaluated, feasibleNodes: 1 };
    const pre = fwk.runPreScorePlugins(state, pod, feasible);
    if (pre) throw new SchedulingError(`running PreScore plugin "${pre.plugin}": ${pre.message()}`);
    const totals = fwk.runScorePlugins(state, pod, feasible);
    const host = selectHost(
      feasible.map((n) => n.name),
      totals,
      this.random,
    );
    return { suggestedHost: host, evaluatedNodes: evaluated, feasibleNodes: feasible.length };
  }

  private findNodesThatFitPod(fwk: Framework, state: CycleState, pod: Pod, snapshot: SharedLister): { feasible: NodeInfo[]; evaluated: number } {
    const all = snapshot.list();
    const diagnosis: Diagnosis = { nodeToStatus: { statuses: new Map(), numAllNodes: all.length }, unschedulablePlugins: new Set() };
    const pre = fwk.runPreFilterPlugins(state, pod, all);
    if (pre.status) {
      if (!pre.status.isRejected()) throw new SchedulingError(`running PreFilter plugin "${pre.status.plugin}": ${pre.status.message()}`);
      diagnosis.nodeToStatus.absentStatus = pre.status;
      diagnosis.preFilterMsg = pre.status.message();
      diagnosis.unschedulablePlugins.add(pre.status.plugin);
      throw new FitError(all.length, diagnosis);
    }
    let nodes = all;
    if (pre.nodeNames) {
      nodes = [...pre.nodeNames].map((n) => snapshot.get(n)).filter((n): n is NodeInfo => n !== undefined);
      diagnosis.nodeToStatus.absentStatus = unresolvable(`node(s) didn't satisfy plugin(s) [${(pre.narrowedBy ?? []).join(' ')}]`);
      for (const p of pre.narrowedBy ?? []) diagnosis.unschedulablePlugins.add(p);
    }
    const n = nodes.length;
    const want = numFeasibleNodesToFind(this.percentage, n);
    const feasible: NodeInfo[] = [];
    const start = n ? this.nextStartNodeIndex % n : 0;
    let evaluated = 0;
    for (let i = 0; i < n && feasible.length < want; i++) {
      const ni = nodes[(start + i) % n] as NodeInfo;
      evaluated++;
      const s = fwk.runFilterPlugins(state, pod, ni);
      if (!s) {
        feasible.push(ni);
        continue;
      }
      if (s.code === Code.Error) throw new SchedulingError(`running "${s.plugin}" filter plugin: ${s.message()}`);
      diagnosis.nodeToStatus.statuses.set(ni.name, s);
      diagnosis.unschedulablePlugins.add(s.plugin);
    }
    if (n) this.nextStartNodeIndex = (start + evaluated) % n;
    if (feasible.length === 0) throw new FitError(all.length, diagnosis);
    return { feasible, evaluated };
  }
}

/**
 * Framework runs one profile's plugins at each extension point, in profile order, turning exceptions
 * into Error statuses and weighting normalised scores, as upstream's frameworkImpl.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Logger } from '@nanokube/component-base';
import type { CycleState } from './cycle-state.js';
import {
  maxNodeScore,
  type BindPlugin,
  type FilterRunner,
  type FilterPlugin,
  type NodeScore,
  type NodeToStatus,
  type Plugin,
  type PostFilterPlugin,
  type PostFilterResult,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ReservePlugin,
  type ScorePlugin,
} from './interfaces.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { asStatus, Code, Status, unresolvable } from './status.js';

/** A plugin enabled in a profile, with its score weight (default 1). */
export interface ProfilePlugin {
  plugin: Plugin;
  weight?: number;
}

/** The outcome of the PreFilter extension point. */
export interface PreFilterOutcome {
  /** Set when a PreFilter rejected the pod or failed. */
  status?: Status;
  /** Set when PreFilters narrowed the candidate nodes. */
  nodeNames?: ReadonlySet<string>;
  /** The plugins that narrowed them. */
  narrowedBy?: string[];
}

function has<K extends string>(p: Plugin, method: K): p is Plugin & Record<K, (...args: never[]) => unknown> {
  return typeof (p as unknown as Record<string, unknown>)[method] === 'function';
}

/** Framework is one scheduling profile (upstream: a frameworkImpl per schedulerName). */
export class Framework implements FilterRunner {
  readonly preFilters: PreFilterPlugin[] = [];
  readonly filters: FilterPlugin[] = [];
  readonly postFilters: PostFilterPlugin[] = [];
  readonly preScores: PreScorePlugin[] = [];
  readonly scores: { plugin: ScorePlugin; weight: number }[] = [];
  readonly reserves: ReservePlugin[] = [];
  readonly binds: BindPlugin[] = [];

  constructor(
    readonly profileName: string,
    plugins: ProfilePlugin[],
    private readonly log: Logger,
  ) {
    for (const { plugin, weight } of plugins) {
      if (has(plugin, 'preFilter')) this.preFilters.push(plugin as PreFilterPlugin);
      if (has(plugin, 'filter')) this.filters.push(plugin as FilterPlugin);
      if (has(plugin, 'postFilter')) this.postFilters.push(plugin as PostFilterPlugin);
      if (has(plugin, 'preScore')) this.preScores.push(plugin as PreScorePlugin);
      if (has(plugin, 'score')) this.scores.push({ plugin: plugin as ScorePlugin, weight: weight ?? 1 });
      if (has(plugin, 'reserve')) this.reserves.push(plugin as ReservePlugin);
      if (has(plugin, 'bind')) this.binds.push(plugin as BindPlugin);
    }
  }

  /** runPreFilterPlugins runs every PreFilter; the first rejection or error stops the cycle. */
  runPreFilterPlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): PreFilterOutcome {
    let nodeNames: Set<string> | undefined;
    const narrowedBy: string[] = [];
    for (const p of this.preFilters) {
      let r;
      try {
        r = p.preFilter(state, pod, nodes);
      } catch (err) {
        return { status: asStatus(err).withPlugin(p.name) };
      }
      const s = r?.status;
      if (s?.isSkip()) {
        state.skipFilterPlugins.add(p.name);
        continue;
      }
      if (s && !s.isSuccess()) return { status: s.withPlugin(p.name) };
      if (r?.nodeNames) {
        narrowedBy.push(p.name);
        nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => r.nodeNames?.has(n))) : new Set(r.nodeNames);
        if (nodeNames.size === 0) {
          return { status: unresolvable(`node(s) didn't satisfy plugin(s) [${narrowedBy.join(' ')}]`).withPlugin(p.name) };
        }
      }
    }
    return nodeNames ? { nodeNames, narrowedBy } : {};
  }

  /** runFilterPlugins returns the first non-success status (with its plugin), or undefined if the node fits. */
  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    for (const p of this.filters) {
      if (state.skipFilterPlugins.has(p.name)) continue;
      let s: Status | undefined;
      try {
        s = p.filter(state, pod, nodeInfo);
      } catch (err) {
        s = asStatus(err);
      }
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return undefined;
  }

  /** runPreFilterExtensionAddPod tells PreFilter plugins that preemption simulates adding a pod. */
  runPreFilterExtensionAddPod(state: CycleState, pod: Pod, added: PodInfo, nodeInfo: NodeInfo): void {
    for (const p of this.preFilters) if (!state.skipFilterPlugins.has(p.name)) p.addPod?.(state, pod, added, nodeInfo);
  }

  /** runPreFilterExtensionRemovePod tells PreFilter plugins that preemption simulates removing a pod. */
  runPreFilterExtensionRemovePod(state: CycleState, pod: Pod, removed: PodInfo, nodeInfo: NodeInfo): void {
    for (const p of this.preFilters) if (!state.skipFilterPlugins.has(p.name)) p.removePod?.(state, pod, removed, nodeInfo);
  }

  /** runPostFilterPlugins runs PostFilters until one returns success; returns the last result. */
  runPostFilterPlugins(state: CycleState, pod: Pod, statuses: NodeToStatus): PostFilterResult | undefined {
    let last: PostFilterResult | undefined;
    for (const p of this.postFilters) {
      try {
        last = p.postFilter(state, pod, statuses);
      } catch (err) {
        return { status: asStatus(err).withPlugin(p.name) };
      }
      last.status.withPlugin(p.name);
      if (last.status.isSuccess()) return last;
    }
    return last;
  }

  /** runPreScorePlugins runs every PreScore; Skip disables that plugin's Score for this cycle. */
  runPreScorePlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status | undefined {
    for (const p of this.preScores) {
      let s: Status | undefined;
      try {
        s = p.preScore(state, pod, nodes);
      } catch (err) {
        s = asStatus(err);
      }
      if (s?.isSkip()) state.skipScorePlugins.add(p.name);
      else if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return undefined;
  }

  /**
   * runScorePlugins scores every node with every Score plugin, normalises each plugin's scores and
   * returns the weighted sum per node (same order as `nodes`).
   */
  runScorePlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): number[] {
    const totals = new Array<number>(nodes.length).fill(0);
    for (const { plugin, weight } of this.scores) {
      if (state.skipScorePlugins.has(plugin.name)) continue;
      const scores: NodeScore[] = nodes.map((n) => ({ name: n.name, score: plugin.score(state, pod, n) }));
      plugin.normalizeScore?.(state, pod, scores);
      for (let i = 0; i < scores.length; i++) {
        const s = (scores[i] as NodeScore).score;
        if (!(s >= 0 && s <= maxNodeScore)) {
          throw new Error(`plugin "${plugin.name}" returns an invalid score ${s}, it should be in the range of [0, ${maxNodeScore}] after normalizing`);
        }
        totals[i] = (totals[i] as number) + s * weight;
      }
    }
    return totals;
  }

  /** runReservePluginsReserve reserves in order; on failure the caller must run unreserve. */
  runReservePluginsReserve(state: CycleState, pod: Pod, nodeName: string): Status | undefined {
    for (const p of this.reserves) {
      let s: Status | undefined;
      try {
        s = p.reserve(state, pod, nodeName);
      } catch (err) {
        s = asStatus(err);
      }
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return undefined;
  }

  /** runReservePluginsUnreserve unreserves in reverse order, logging failures. */
  runReservePluginsUnreserve(state: CycleState, pod: Pod, nodeName: string): void {
    for (const p of [...this.reserves].reverse()) {
      try {
        p.unreserve(state, pod, nodeName);
      } catch (err) {
        this.log.error({ err, plugin: p.name }, 'Unreserve plugin failed');
      }
    }
  }

  /** runBindPlugins asks binders in order until one does not Skip. */
  async runBindPlugins(state: CycleState, pod: Pod, nodeName: string): Promise<Status | undefined> {
    if (this.binds.length === 0) return new Status(Code.Error, ['no bind plugin is configured']);
    for (const p of this.binds) {
      let s: Status | undefined;
      try {
        s = await p.bind(state, pod, nodeName);
      } catch (err) {
        s = asStatus(err);
      }
      if (s?.isSkip()) continue;
      return s && !s.isSuccess() ? s.withPlugin(p.name) : undefined;
    }
    return new Status(Code.Skip, ['all bind plugins skipped']);
  }
}

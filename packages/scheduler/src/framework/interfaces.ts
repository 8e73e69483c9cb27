/**
 * The scheduling framework's extension points, one small interface each, as upstream's
 * kube-scheduler/framework/interface.go. A plugin implements any subset; the runtime calls them in
 * profile order. All extension points of the scheduling cycle are synchronous: the cycle runs without
 * yielding to the event loop, so the cache it reads cannot change under it.
 */
import type { Pod, ReplicationController, Service } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Logger } from '@nanokube/component-base';
import type { CycleState } from './cycle-state.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { Status } from './status.js';

/** The highest score a plugin's normalised score may have (upstream MaxNodeScore). */
export const maxNodeScore = 100;

/** Plugin is what every plugin has: its registry name. */
export interface Plugin {
  readonly name: string;
}

/** PreFilterResult narrows the nodes Filter is run on; `undefined` node names means all nodes. */
export interface PreFilterResult {
  nodeNames?: ReadonlySet<string>;
  status?: Status;
}

/**
 * PreFilterPlugin runs once per cycle before any Filter. It precomputes state into CycleState. A rejected
 * status makes the pod unschedulable on every node; Skip disables the plugin's Filter for this cycle.
 */
export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): PreFilterResult | undefined;
  /** addPod/removePod update the PreFilter state when preemption simulates adding or removing a pod. */
  addPod?(state: CycleState, pod: Pod, added: PodInfo, nodeInfo: NodeInfo): void;
  removePod?(state: CycleState, pod: Pod, removed: PodInfo, nodeInfo: NodeInfo): void;
}

/**
 * FilterPlugin decides whether the pod may run on one node. Any status other than success excludes the
 * node. Plugins must read the passed nodeInfo, not the snapshot: preemption passes a modified copy.
 */
export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined;
}

/** Per-node statuses of a failed cycle, plus the status of nodes that were never evaluated. */
export interface NodeToStatus {
  statuses: Map<string, Status>;
  /** Status for nodes absent from `statuses` (e.g. cut by a PreFilterResult). */
  absentStatus?: Status;
  numAllNodes: number;
}

/** PostFilterResult is what a PostFilter (preemption) returns. */
export interface PostFilterResult {
  status: Status;
  nominatedNodeName?: string;
  /** Pods to evict so that the pod fits on the nominated node. */
  victims?: Pod[];
}

/** PostFilterPlugin runs when no node fits (upstream: preemption). */
export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: Pod, statuses: NodeToStatus): PostFilterResult;
}

/** PreScorePlugin runs once before Score with the feasible nodes; Skip disables its Score. */
export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status | undefined;
}

/** NodeScore is one node's score from one plugin. */
export interface NodeScore {
  name: string;
  score: number;
}

/**
 * ScorePlugin ranks a feasible node with a raw number. If it implements normalizeScore, that maps the
 * raw scores of all nodes into 0..maxNodeScore in place; otherwise raw scores must already be in range.
 */
export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number;
  normalizeScore?(state: CycleState, pod: Pod, scores: NodeScore[]): void;
}

/** ReservePlugin is told when a node is chosen (reserve) and when that choice is abandoned (unreserve). */
export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: Pod, nodeName: string): Status | undefined;
  unreserve(state: CycleState, pod: Pod, nodeName: string): void;
}

/** BindPlugin binds the pod to the node in the API; Skip passes to the next binder. */
export interface BindPlugin extends Plugin {
  bind(state: CycleState, pod: Pod, nodeName: string): Promise<Status | undefined>;
}

/** SharedLister is the node-info view of the cluster a cycle reads. */
export interface SharedLister {
  /** Nodes that exist (have a Node object), in a stable order that interleaves zones. */
  list(): readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
  havePodsWithAffinityList(): readonly NodeInfo[];
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[];
}

/** WorkloadListers give the objects default topology spreading derives a pod's selector from. */
export interface WorkloadListers {
  services(namespace: string): readonly Service[];
  replicaSet(namespace: string, name: string): ReplicaSet | undefined;
  replicationController(namespace: string, name: string): ReplicationController | undefined;
  statefulSet(namespace: string, name: string): StatefulSet | undefined;
}

/** BindingClient posts `pods/<name>/binding`. */
export interface BindingClient {
  bind(namespace: string, name: string, binding: unknown): Promise<unknown>;
}

/** FilterRunner lets a PostFilter (preemption) re-run the profile's filters on modified node infos. */
export interface FilterRunner {
  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined;
  runPreFilterExtensionAddPod(state: CycleState, pod: Pod, added: PodInfo, nodeInfo: NodeInfo): void;
  runPreFilterExtensionRemovePod(state: CycleState, pod: Pod, removed: PodInfo, nodeInfo: NodeInfo): void;
}

/** Handle is what plugins get at construction; `filterRunner` is set once the profile is built. */
export interface Handle {
  snapshot: SharedLister;
  listers: WorkloadListers;
  binding?: BindingClient;
  filterRunner?: FilterRunner;
  log: Logger;
}

/** PluginFactory builds a plugin from its (optional) args. */
export type PluginFactory = (args: unknown, handle: Handle) => Plugin;

/**
 * The in-tree plugin registry and the default profile: which plugins run, in which order, with which
 * score weights (upstream's v1 default: TaintToleration 3, NodeAffinity 2, PodTopologySpread 2,
 * InterPodAffinity 2, NodeResourcesFit 1, NodeResourcesBalancedAllocation 1; ImageLocality is not built).
 */
import type { Handle, PluginFactory } from '../framework/interfaces.js';
import type { ProfilePlugin } from '../framework/runtime.js';
import * as balancedAllocation from './balanced-allocation/index.js';
import * as defaultBinder from './default-binder/index.js';
import * as defaultPreemption from './default-preemption/index.js';
import * as interPodAffinity from './inter-pod-affinity/index.js';
import * as nodeAffinity from './node-affinity/index.js';
import * as nodeName from './node-name/index.js';
import * as nodePorts from './node-ports/index.js';
import * as nodeResourcesFit from './node-resources-fit/index.js';
import * as nodeUnschedulable from './node-unschedulable/index.js';
import * as podTopologySpread from './pod-topology-spread/index.js';
import * as taintToleration from './taint-toleration/index.js';

/** inTreeRegistry maps plugin names to factories. */
export const inTreeRegistry: Record<string, PluginFactory> = {
  [nodeUnschedulable.name]: nodeUnschedulable.create,
  [nodeName.name]: nodeName.create,
  [taintToleration.name]: taintToleration.create,
  [nodeAffinity.name]: nodeAffinity.create,
  [nodePorts.name]: nodePorts.create,
  [nodeResourcesFit.name]: nodeResourcesFit.create,
  [podTopologySpread.name]: podTopologySpread.create,
  [interPodAffinity.name]: interPodAffinity.create,
  [balancedAllocation.name]: balancedAllocation.create,
  [defaultPreemption.name]: defaultPreemption.create,
  [defaultBinder.name]: defaultBinder.create,
};

/** The default profile in upstream's order (the order decides which filter's reason a node reports). */
export const defaultProfile: readonly { name: string; weight?: number }[] = [
  { name: nodeUnschedulable.name },
  { name: nodeName.name },
  { name: taintToleration.name, weight: 3 },
  { name: nodeAffinity.name, weight: 2 },
  { name: nodePorts.name },
  { name: nodeResourcesFit.name, weight: 1 },
  { name: podTopologySpread.name, weight: 2 },
  { name: interPodAffinity.name, weight: 2 },
  { name: defaultPreemption.name },
  { name: balancedAllocation.name, weight: 1 },
  { name: defaultBinder.name },
];

/** buildProfile instantiates the plugins of a profile from the registry. */
export function buildProfile(handle: Handle, profile = defaultProfile, registry = inTreeRegistry): ProfilePlugin[] {
  return profile.map(({ name, weight }) => {
    const factory = registry[name];
    if (!factory) throw new Error(`plugin "${name}" is not registered`);
    return { plugin: factory(undefined, handle), ...(weight !== undefined ? { weight } : {}) };
  });
}

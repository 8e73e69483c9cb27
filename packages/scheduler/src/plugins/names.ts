/** Registry names of the in-tree plugins, spelled as upstream's names.go. */
export const names = {
  prioritySort: 'PrioritySort',
  nodeUnschedulable: 'NodeUnschedulable',
  nodeName: 'NodeName',
  taintToleration: 'TaintToleration',
  nodeAffinity: 'NodeAffinity',
  nodePorts: 'NodePorts',
  nodeResourcesFit: 'NodeResourcesFit',
  nodeResourcesBalancedAllocation: 'NodeResourcesBalancedAllocation',
  interPodAffinity: 'InterPodAffinity',
  podTopologySpread: 'PodTopologySpread',
  defaultPreemption: 'DefaultPreemption',
  defaultBinder: 'DefaultBinder',
} as const;

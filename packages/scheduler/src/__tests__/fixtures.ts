/** Builders and fakes shared by the scheduler's unit tests. */
import type { Node, Pod, Service, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { createLogger } from '@nanokube/component-base';
import { SchedulerCache } from '../cache/cache.js';
import type { Handle, WorkloadListers } from '../framework/interfaces.js';

export const silentLog = createLogger({ component: 'scheduler-test', level: 'silent', pretty: false });

/** Options of {@link makeNode}. */
export interface NodeOpts {
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
}

export function makeNode(name: string, o: NodeOpts = {}): Node {
  const allocatable = { cpu: o.cpu ?? '2', memory: o.memory ?? '4Gi', pods: String(o.pods ?? 110) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-${name}`, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable, capacity: allocatable },
  };
}

/** Options of {@link makePod}. */
export interface PodOpts {
  namespace?: string;
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  nodeName?: string;
  priority?: number;
  tolerations?: Toleration[];
  spec?: Partial<Pod['spec']>;
  ownerReplicaSet?: string;
}

let uidCounter = 0;

export function makePod(name: string, o: PodOpts = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests['cpu'] = o.cpu;
  if (o.memory) requests['memory'] = o.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: `pod-uid-${++uidCounter}`,
      labels: o.labels ?? {},
      ...(o.ownerReplicaSet
        ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.ownerReplicaSet, uid: `rs-${o.ownerReplicaSet}`, controller: true }] }
        : {}),
    },
    spec: {
      containers: [{ name: 'c', image: 'nginx', ...(Object.keys(requests).length ? { resources: { requests } } : {}) }],
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...o.spec,
    },
    status: { phase: 'Pending' },
  };
}

/** The taint kubeadm puts on control-plane nodes. */
export const controlPlaneTaint: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

/** Listers over fixed objects. */
export function fakeListers(objs: { services?: Service[]; replicaSets?: ReplicaSet[] } = {}): WorkloadListers {
  return {
    services: (ns) => (objs.services ?? []).filter((s) => s.metadata?.namespace === ns),
    replicaSet: (ns, name) => (objs.replicaSets ?? []).find((r) => r.metadata?.namespace === ns && r.metadata?.name === name),
    replicationController: () => undefined,
    statefulSet: () => undefined,
  };
}

/** newCache builds a cache holding the nodes and the assigned pods. */
export function newCache(nodes: Node[], pods: Pod[] = []): SchedulerCache {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.addNode(n);
  for (const p of pods) cache.addPod(p);
  return cache;
}

/** newHandle builds a plugin Handle over a cache. */
export function newHandle(cache: SchedulerCache, listers: WorkloadListers = fakeListers()): Handle {
  return { snapshot: cache, listers, log: silentLog };
}

/** A ReplicaSet selecting `app=<app>`. */
export function makeReplicaSet(name: string, app: string, namespace = 'default'): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace, uid: `rs-${name}` },
    spec: { selector: { matchLabels: { app } }, template: { metadata: { labels: { app } } } },
  };
}

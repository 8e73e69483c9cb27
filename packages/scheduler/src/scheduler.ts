/**
 * createScheduler wires the scheduler together: informers on pods, nodes and the workloads default
 * spreading needs; event handlers that feed the cache and the queue; the default profile; and the loop
 * that runs scheduleOne until the signal aborts. Handlers only update the cache and the queue.
 */
import { setMaxListeners } from 'node:events';
import type { Node, Pod, ReplicationController, Service } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import { DeletedFinalStateUnknown, EventRecorder, ResourceClient, SharedInformer, realClock, type Clock, type CoreEvent, type RestClient } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';
import { SchedulerCache } from './cache/cache.js';
import type { Handle, WorkloadListers } from './framework/interfaces.js';
import { Framework } from './framework/runtime.js';
import {
  eventsResource,
  nodesResource,
  podsResource,
  replicaSetsResource,
  replicationControllersResource,
  servicesResource,
  statefulSetsResource,
} from './internal/resources.js';
import { buildProfile } from './plugins/registry.js';
import { SchedulingQueue } from './queue/scheduling-queue.js';
import { ScheduleAlgorithm } from './schedule-algorithm.js';
import { scheduleOne, type EventSink, type ScheduleOneDeps } from './schedule-one.js';

/** The scheduler name pods get by default. */
export const defaultSchedulerName = 'default-scheduler';

/** Dependencies of {@link createScheduler}. */
export interface SchedulerDeps {
  rest: RestClient;
  log: Logger;
  clock?: Clock;
  /** Pods with this `spec.schedulerName` are ours (default `default-scheduler`). */
  schedulerName?: string;
  /** 0 (default) = adaptive, as upstream. */
  percentageOfNodesToScore?: number;
  /** Reported as the events' reportingInstance. */
  identity?: string;
  /** Replaces the API event recorder (tests). */
  recorder?: EventSink;
  /** Scheduling attempt metrics (`/metrics`). */
  metrics?: ScheduleOneDeps['metrics'];
}

/** A running (or runnable) scheduler. */
export interface Scheduler {
  cache: SchedulerCache;
  queue: SchedulingQueue;
  framework: Framework;
  informers: { pods: SharedInformer<Pod>; nodes: SharedInformer<Node> };
  /** hasSynced is true once every informer listed. */
  hasSynced(): boolean;
  /** run starts the informers, waits for their first list, then schedules until signal aborts. */
  run(signal: AbortSignal): Promise<void>;
}

function isAssigned(pod: Pod): boolean {
  return Boolean(pod.spec?.nodeName);
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function hasRequiredPodAffinity(pod: Pod): boolean {
  return Boolean(pod.spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length);
}

/** nodeSchedulingPropertiesChanged is true when a node update may make pending pods fit. */
export function nodeSchedulingPropertiesChanged(oldNode: Node, newNode: Node): boolean {
  const j = (v: unknown): string => JSON.stringify(v ?? null);
  const conds = (n: Node): unknown => (n.status?.conditions ?? []).map((c) => [c.type, c.status]);
  return (
    Boolean(oldNode.spec?.unschedulable) !== Boolean(newNode.spec?.unschedulable) ||
    j(oldNode.status?.allocatable) !== j(newNode.status?.allocatable) ||
    j(oldNode.metadata?.labels) !== j(newNode.metadata?.labels) ||
    j(oldNode.spec?.taints) !== j(newNode.spec?.taints) ||
    j(conds(oldNode)) !== j(conds(newNode))
  );
}

/** createScheduler builds the scheduler from a REST client; nothing runs until run(). */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const log = deps.log;
  const clock = deps.clock ?? realClock;
  const schedulerName = deps.schedulerName ?? defaultSchedulerName;
  const informerLog = log.child({ subsystem: 'informer' });
  const informer = <T extends object>(gvr: typeof podsResource, fieldSelector?: string): SharedInformer<T> =>
    new SharedInformer<T>({
      client: new ResourceClient<T>(deps.rest, gvr),
      log: informerLog,
      clock,
      ...(fieldSelector ? { fieldSelector } : {}),
    });
  const pods = informer<Pod>(podsResource, 'status.phase!=Succeeded,status.phase!=Failed');
  const nodes = informer<Node>(nodesResource);
  const services = informer<Service>(servicesResource);
  const rcs = informer<ReplicationController>(replicationControllersResource);
  const rss = informer<ReplicaSet>(replicaSetsResource);
  const sss = informer<StatefulSet>(statefulSetsResource);
  const all = [pods, nodes, services, rcs, rss, sss] as SharedInformer<object>[];

  const cache = new SchedulerCache();
  const queue = new SchedulingQueue({ clock });
  const listers: WorkloadListers = {
    services: (ns) => services.store.listNamespace(ns),
    replicaSet: (ns, name) => rss.store.getByName(ns, name),
    replicationController: (ns, name) => rcs.store.getByName(ns, name),
    statefulSet: (ns, name) => sss.store.getByName(ns, name),
  };
  const podsClient = new ResourceClient<Pod>(deps.rest, podsResource);
  const handle: Handle = {
    snapshot: cache,
    listers,
    log: log.child({ subsystem: 'framework' }),
    binding: { bind: (ns, name, binding) => podsClient.inNamespace(ns).createSubresource(name, 'binding', binding) },
  };
  const framework = new Framework(schedulerName, buildProfile(handle), log);
  handle.filterRunner = framework;
  const recorder: EventSink =
    deps.recorder ??
    new EventRecorder({
      events: new ResourceClient<CoreEvent>(deps.rest, eventsResource),
      component: schedulerName,
      ...(deps.identity ? { host: deps.identity } : {}),
      log,
      clock,
    });

  const responsible = (pod: Pod): boolean => (pod.spec?.schedulerName ?? defaultSchedulerName) === schedulerName;
  const unwrap = <T>(o: T | DeletedFinalStateUnknown<T>): T => (o instanceof DeletedFinalStateUnknown ? o.obj : o);
  const onAssignedPodChange = (pod: Pod, event: 'AssignedPodAdd' | 'AssignedPodUpdate'): void => {
    // Only pods with required pod affinity can be helped by another pod appearing.
    queue.moveAllToActiveOrBackoff(event, (qp) => hasRequiredPodAffinity(qp.pod));
    void pod;
  };
  const removePod = (pod: Pod): void => {
    if (isAssigned(pod)) {
      cache.removePod(pod);
      queue.moveAllToActiveOrBackoff('AssignedPodDelete');
    } else queue.delete(pod);
  };
  pods.addEventHandler({
    onAdd(pod) {
      if (isTerminal(pod)) return;
      if (isAssigned(pod)) {
        cache.addPod(pod);
        onAssignedPodChange(pod, 'AssignedPodAdd');
      } else if (responsible(pod)) queue.add(pod);
    },
    onUpdate(oldPod, newPod) {
      if (isTerminal(newPod)) return removePod(oldPod);
      if (isAssigned(oldPod)) {
        cache.updatePod(oldPod, newPod);
        onAssignedPodChange(newPod, 'AssignedPodUpdate');
      } else if (isAssigned(newPod)) {
        queue.delete(oldPod);
        cache.addPod(newPod);
        onAssignedPodChange(newPod, 'AssignedPodAdd');
      } else if (responsible(newPod)) queue.update(oldPod, newPod);
    },
    onDelete(obj) {
      removePod(unwrap(obj));
    },
  });
  nodes.addEventHandler({
    onAdd(node) {
      cache.addNode(node);
      queue.moveAllToActiveOrBackoff('NodeAdd');
    },
    onUpdate(oldNode, newNode) {
      cache.updateNode(oldNode, newNode);
      if (nodeSchedulingPropertiesChanged(oldNode, newNode)) queue.moveAllToActiveOrBackoff('NodeUpdate');
    },
    onDelete(obj) {
      cache.removeNode(unwrap(obj));
    },
  });

  const oneDeps: ScheduleOneDeps = {
    queue,
    cache,
    framework,
    algorithm: new ScheduleAlgorithm({ percentageOfNodesToScore: deps.percentageOfNodesToScore ?? 0 }),
    recorder,
    api: {
      patchPodStatus: async (ns, name, patch) => {
        await podsClient.inNamespace(ns).patch(name, 'strategic', patch, { subresource: 'status' });
      },
      deletePod: async (ns, name, uid) => {
        await podsClient.inNamespace(ns).delete(name, uid ? { preconditions: { uid } } : {});
      },
    },
    getPod: (key) => pods.store.get(key),
    log,
    bindings: new Set(),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  };

  return {
    cache,
    queue,
    framework,
    informers: { pods, nodes },
    hasSynced: () => all.every((i) => i.hasSynced()),
    async run(signal: AbortSignal): Promise<void> {
      // Six informers each wait on the signal: more listeners than Node's default warning threshold.
      setMaxListeners(64, signal);
      const running = all.map((i) => i.run(signal));
      await Promise.all(all.map((i) => i.waitForSync(signal)));
      if (signal.aborted) return;
      log.info({ nodes: cache.list().length, pendingPods: queue.pendingPods().active.length }, 'Synced caches, scheduling');
      queue.run();
      signal.addEventListener('abort', () => queue.close(), { once: true });
      while (!signal.aborted && (await scheduleOne(oneDeps))) {
        // Each pass schedules one pod; bindings continue in the background.
      }
      queue.close();
      await Promise.allSettled([...(oneDeps.bindings ?? [])]);
      await Promise.allSettled(running);
    },
  };
}

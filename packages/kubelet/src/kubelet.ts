/**
 * createKubelet assembles one node agent: Node registration and status, the node Lease, an informer on the
 * pods bound to the node (`spec.nodeName=<node>`, or a view of the simulated fleet's shared one), one worker
 * per pod converging the runtime and writing the pod's status, and graceful deletion. It is
 * runtime-independent: the runtime comes in through {@link RuntimeService} and {@link ImageService}.
 * Containers outlive the kubelet: stopping it leaves every pod as it is (a pod deleted meanwhile stays
 * Terminating until a kubelet finishes it).
 */
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import {
  DeletedFinalStateUnknown,
  EventRecorder,
  realClock,
  resources,
  ResourceClient,
  SharedInformer,
  type Clock,
  type CoreEvent,
  type EventHandlers,
  type RestClient,
} from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';
import { NodeRouteController, type NodeRouteSyncer } from './network/route-sync.js';
import { NodeLeaseController, nodeLeaseNamespace } from './nodelease/lease-controller.js';
import { kubeletVersion, type NodeConfig, type NodeSystemInfo } from './nodestatus/node.js';
import { NodeStatusManager } from './nodestatus/node-status-manager.js';
import { Backoff } from './pod-workers/backoff.js';
import { findOrphanedPods, orphanPod } from './pod-workers/orphans.js';
import { PodWorkers, type WorkResult } from './pod-workers/pod-workers.js';
import { getPodRuntimeStatus, PodSyncer } from './pod-workers/sync-pod.js';
import { ProbeManager } from './probes/index.js';
import type { ImageService, PodRuntimeStatus, RuntimeService } from './runtime/types.js';
import { generatePodStatus, type WaitingReason } from './status/generate.js';
import { podRef, StatusManager } from './status/status-manager.js';
import { ApiPodSources, VolumeManager } from './volumes/index.js';

/**
 * InformerView is the part of a SharedInformer the kubelet uses. A SharedInformer is one; the simulated
 * fleet hands each node agent a per-node view of informers shared by all its nodes.
 */
export interface InformerView<T> {
  readonly store: { get(key: string): T | undefined; list(): T[] };
  addEventHandler(h: EventHandlers<T>): void;
  run(signal: AbortSignal): Promise<void>;
  waitForSync(signal?: AbortSignal): Promise<void>;
  hasSynced(): boolean;
}

/** Where a kubelet sees its pods and its Node when it does not watch them itself. */
export interface KubeletSources {
  /** The pods bound to the node, keyed `namespace/name`. */
  pods: InformerView<Pod>;
  /** The node's own Node object, keyed by its name. */
  node: InformerView<Node>;
}

/** Options of {@link createKubelet}. */
export interface KubeletOptions {
  rest: RestClient;
  nodeName: string;
  nodeIp: string;
  runtime: RuntimeService;
  images: ImageService;
  log: Logger;
  /** cpu, memory, pods, ephemeral-storage. */
  capacity: Record<string, string>;
  systemInfo: Omit<NodeSystemInfo, 'containerRuntimeVersion' | 'kubeletVersion' | 'kubeProxyVersion'>;
  registerNode?: boolean;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** Port reported in status.daemonEndpoints (the kubelet server's port). */
  port?: number;
  podLogsDir?: string;
  /**
   * The kubelet's state folder (`/var/lib/kubelet`): pod volumes live in `<rootDir>/pods/<uid>/volumes`.
   * Default `/var/lib/nanokube/kubelet`; with the simulated runtime and no rootDir, volumes are only
   * resolved (references checked), not written.
   */
  rootDir?: string;
  clock?: Clock;
  /** How often every pod is re-synced without events (default 10 s). */
  resyncMs?: number;
  nodeStatusUpdateFrequencyMs?: number;
  nodeStatusReportFrequencyMs?: number;
  leaseDurationSeconds?: number;
  /**
   * The pod network's host-gw routes (runc nodes): the kubelet then watches every Node and keeps one
   * route per other node's pod CIDR (see network/route-sync.ts).
   */
  nodeRoutes?: NodeRouteSyncer;
  /**
   * The pod and Node informers to use instead of the kubelet's own field-selected watches: the simulated
   * fleet's per-node views of its shared watches. A real kubelet leaves this unset.
   */
  sources?: KubeletSources;
}

/** A running (or runnable) node agent. */
export interface Kubelet {
  readonly nodeName: string;
  readonly runtime: RuntimeService;
  /** run registers the node and runs every loop until signal aborts; containers are left running. */
  run(signal: AbortSignal): Promise<void>;
  /** hasSynced is true once the node is registered and the pod informer has listed. */
  hasSynced(): boolean;
  /** pods lists the pods bound to this node, as last seen. */
  pods(): Pod[];
  /** findPod finds a pod by namespace and name among this node's pods. */
  findPod(namespace: string, name: string): Pod | undefined;
}

interface PodWork {
  pod: Pod;
  deleted: boolean;
}

const terminalPhases = new Set(['Succeeded', 'Failed']);

/** The kubelet's state folder when none is given (the `--root-dir` default). */
const defaultRootDir = '/var/lib/nanokube/kubelet';

/** createKubelet builds a kubelet; nothing happens until run(). */
export function createKubelet(opts: KubeletOptions): Kubelet {
  const clock = opts.clock ?? realClock;
  const log = opts.log.child({ node: opts.nodeName });
  const now = (): number => clock.now();
  const podsClient = new ResourceClient<Pod>(opts.rest, resources.pods);
  const nodesClient = new ResourceClient<Node>(opts.rest, resources.nodes);
  const version = opts.runtime.version();
  const nodeConfig: NodeConfig = {
    nodeName: opts.nodeName,
    nodeIp: opts.nodeIp,
    labels: opts.labels ?? {},
    taints: opts.taints ?? [],
    capacity: opts.capacity,
    port: opts.port ?? 10250,
    systemInfo: {
      ...opts.systemInfo,
      containerRuntimeVersion: `${version.runtimeName}://${version.runtimeVersion}`,
      kubeletVersion,
      kubeProxyVersion: '',
    },
  };
  const podInformer: InformerView<Pod> =
    opts.sources?.pods ?? new SharedInformer<Pod>({ client: podsClient, log, fieldSelector: `spec.nodeName=${opts.nodeName}`, clock });
  const nodeInformer: InformerView<Node> =
    opts.sources?.node ?? new SharedInformer<Node>({ client: nodesClient, log, fieldSelector: `metadata.name=${opts.nodeName}`, clock });
  const observedNode = (): Node | undefined => nodeInformer.store.get(opts.nodeName);
  const allNodes = opts.nodeRoutes ? new SharedInformer<Node>({ client: nodesClient, log, clock }) : undefined;
  const routes =
    allNodes && opts.nodeRoutes
      ? new NodeRouteController({ nodes: () => allNodes.store.list(), waitForSync: (s) => allNodes.waitForSync(s), routes: opts.nodeRoutes, log })
      : undefined;
  const nodeStatus = new NodeStatusManager({
    nodes: nodesClient,
    config: nodeConfig,
    health: () => opts.runtime.status(),
    observed: observedNode,
    log,
    clock,
    ...(opts.nodeStatusUpdateFrequencyMs ? { updateFrequencyMs: opts.nodeStatusUpdateFrequencyMs } : {}),
    ...(opts.nodeStatusReportFrequencyMs ? { reportFrequencyMs: opts.nodeStatusReportFrequencyMs } : {}),
  });
  const lease = new NodeLeaseController({
    leases: new ResourceClient<Lease>(opts.rest, resources.leases).inNamespace(nodeLeaseNamespace),
    nodeName: opts.nodeName,
    nodeUid: () => observedNode()?.metadata?.uid ?? nodeStatus.node()?.metadata?.uid,
    clock,
    log,
    ...(opts.leaseDurationSeconds ? { leaseDurationSeconds: opts.leaseDurationSeconds } : {}),
  });
  const recorder = new EventRecorder({
    events: new ResourceClient<CoreEvent>(opts.rest, resources.events),
    component: 'kubelet',
    host: opts.nodeName,
    log,
    clock,
  });
  const reasons = new Map<string, Map<string, WaitingReason>>();
  const simulated = version.runtimeName === 'simulated';
  const sources = new ApiPodSources(opts.rest, now);
  const volumes = new VolumeManager({
    sources,
    // Simulated nodes only resolve volumes; real runtimes need them on disk, under the default root if unset.
    ...(opts.rootDir || !simulated ? { podsDir: `${opts.rootDir ?? defaultRootDir}/pods` } : {}),
    nodeAllocatable: () => opts.capacity,
    now,
    canMount: typeof process.getuid === 'function' && process.getuid() === 0,
    log,
  });
  // Set once the pod workers exist: a probe verdict change re-syncs its pod.
  let pokePod: (uid: string) => void = () => {};
  const probes = new ProbeManager({ runtime: opts.runtime, recorder, clock, log, simulated, onChange: (uid) => pokePod(uid) });
  const syncer = new PodSyncer({
    runtime: opts.runtime,
    images: opts.images,
    recorder,
    log,
    now,
    podLogsDir: opts.podLogsDir ?? '/var/log/pods',
    backoff: new Backoff(now),
    reasons,
    sources,
    volumes,
    nodeIp: opts.nodeIp,
    nodeAllocatable: () => opts.capacity,
    probeFailed: (_uid, id) => probes.failed(id),
    simulatedHooks: simulated,
  });
  const statusManager = new StatusManager({ pods: podsClient, log, now });

  const computeStatus = async (pod: Pod, podIsTerminal: boolean, runtime?: PodRuntimeStatus) =>
    generatePodStatus({
      pod,
      runtime: runtime ?? (await getPodRuntimeStatus(opts.runtime, pod.metadata?.uid ?? '')),
      runtimeName: version.runtimeName,
      nodeIp: opts.nodeIp,
      reasons: reasons.get(pod.metadata?.uid ?? '') ?? new Map(),
      ready: (name, id) => probes.ready(pod, name, id),
      started: (name, id) => probes.started(pod, name, id),
      podIsTerminal,
      now: now(),
    });

  /** updateProbes hands the probe manager the pod's running containers (of its newest sandbox). */
  const updateProbes = (pod: Pod, rs: PodRuntimeStatus): void => {
    const sandbox = rs.sandboxes[0];
    const running = rs.containers
      .filter((c) => c.state === 'running' && c.podSandboxId === sandbox?.id)
      .map((c) => ({ name: c.name, id: c.id, startedAt: c.startedAt }));
    probes.update(pod, running, pod.spec?.hostNetwork ? opts.nodeIp : (sandbox?.ip ?? ''));
  };

  const gracePeriod = (pod: Pod): number =>
    pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;

  /** syncPodWork is one pod worker step: converge, report, and finish deletion. */
  const syncPodWork = async (uid: string, work: PodWork): Promise<WorkResult> => {
    const { pod } = work;
    if (work.deleted) {
      probes.removePod(uid);
      await syncer.killPod(pod, 0);
      await syncer.removePod(uid);
      await volumes.removePodDir(uid);
      statusManager.forget(uid);
      log.debug({ pod: podRef(pod) }, 'Removed pod that left the node');
      return { forget: true };
    }
    if (pod.metadata?.deletionTimestamp) {
      probes.removePod(uid);
      await syncer.killPod(pod, gracePeriod(pod));
      await statusManager.setPodStatus(pod, await computeStatus(pod, true));
      await statusManager.deletePod(pod);
      return { requeueAfterMs: 5_000 };
    }
    const written = statusManager.lastStatus(uid) ?? pod.status;
    let result: WorkResult = {};
    if (!terminalPhases.has(written?.phase ?? '')) result = await syncer.syncPod(pod);
    const rs = await getPodRuntimeStatus(opts.runtime, uid);
    updateProbes(pod, rs);
    let status = await computeStatus(pod, false, rs);
    if (terminalPhases.has(status.phase ?? '')) {
      probes.removePod(uid);
      // The pod is done: stop what is left (the sandbox, and with it the pod's IP).
      await syncer.killPod(pod, gracePeriod(pod));
      status = await computeStatus(pod, true);
      result = {};
    }
    await statusManager.setPodStatus(pod, status);
    return result;
  };

  const workers = new PodWorkers<PodWork>({ sync: syncPodWork, log, clock, resyncMs: opts.resyncMs ?? 10_000 });
  pokePod = (uid) => workers.poke(uid);
  let podCIDR = '';
  let registered = false;

  const onNode = (node: Node): void => {
    const cidr = node.spec?.podCIDR ?? '';
    if (!cidr || cidr === podCIDR) return;
    podCIDR = cidr;
    void opts.runtime.updateRuntimeConfig({ podCIDR: cidr }).then(
      () => {
        log.info({ podCIDR: cidr }, 'Updated pod CIDR');
        nodeStatus.kick();
        for (const uid of workers.keys()) workers.poke(uid);
      },
      (err: unknown) => log.error({ err, podCIDR: cidr }, 'Could not update the runtime pod CIDR'),
    );
  };

  return {
    nodeName: opts.nodeName,
    runtime: opts.runtime,
    hasSynced: () => registered && podInformer.hasSynced(),
    pods: () => podInformer.store.list(),
    findPod: (namespace, name) => podInformer.store.get(`${namespace}/${name}`),
    async run(signal) {
      if (opts.registerNode !== false && !(await nodeStatus.register(signal))) return;
      registered = true;
      nodeInformer.addEventHandler({ onAdd: onNode, onUpdate: (_, n) => onNode(n) });
      const loops = [nodeInformer.run(signal), podInformer.run(signal), lease.run(signal), nodeStatus.run(signal)];
      if (allNodes && routes) {
        const changed = (): void => routes.changed();
        allNodes.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
        loops.push(allNodes.run(signal), routes.run(signal));
      }
      await podInformer.waitForSync(signal);
      if (opts.runtime.adoptPod) for (const pod of podInformer.store.list()) await opts.runtime.adoptPod(pod);
      // Pods deleted while the kubelet was down: removed as if their deletion had been seen.
      const known = new Set(podInformer.store.list().map((p) => p.metadata?.uid ?? ''));
      for (const o of await findOrphanedPods(opts.runtime, await volumes.podDirUids(), known)) {
        log.info({ podUid: o.uid, pod: `${o.namespace}/${o.name}` }, 'Cleaning up pod deleted while the kubelet was down');
        workers.update(o.uid, { pod: orphanPod(o), deleted: true });
      }
      const unsubscribe = opts.runtime.subscribe((ev) => workers.poke(ev.podUid));
      podInformer.addEventHandler({
        onAdd: (pod) => workers.update(pod.metadata?.uid ?? '', { pod, deleted: false }),
        onUpdate: (_, pod) => workers.update(pod.metadata?.uid ?? '', { pod, deleted: false }),
        onDelete: (obj) => {
          const pod = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
          workers.update(pod.metadata?.uid ?? '', { pod, deleted: true });
        },
      });
      log.info({ pods: podInformer.store.list().length }, 'Kubelet started');
      await Promise.all(loops);
      unsubscribe();
      probes.stop();
      workers.stop();
      await workers.idle();
    },
  };
}

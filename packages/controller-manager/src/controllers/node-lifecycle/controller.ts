import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '@nanokube/api';
import { RateLimitingQueue, resources, sleep, type Lease, type SharedInformer } from '@nanokube/client';
import { deletedObject, runController, type ControllerContext, type ControllerDescriptor } from '../../shared/index.js';
import { markUnknown, observeHeartbeat, type NodeHealth } from './health.js';
import { evictionDelayMs, reconcileTaints } from './taints.js';

/** Namespace of the kubelets' heartbeat Leases. */
export const nodeLeaseNamespace = 'kube-node-lease';

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * NodeLifecycleController watches node heartbeats (Leases in kube-node-lease and the Ready condition):
 * a node silent for `--node-monitor-grace-period` gets Ready=Unknown (`NodeStatusUnknown`), its pods
 * Ready=False, and the `node.kubernetes.io/unreachable` NoSchedule and NoExecute taints (`not-ready`
 * for a node reporting NotReady). Pods that do not tolerate a NoExecute taint are deleted, those that
 * do after their tolerationSeconds counted from the taint's timeAdded (upstream taint-eviction). The
 * taints go away when the node reports Ready again. While no node at all is Ready (full disruption)
 * nothing is evicted. Every node is re-examined every `--node-monitor-period`.
 */
export class NodeLifecycleController {
  /** Replaced in tests. */
  syncHandler: (key: string) => Promise<void> = (key) => this.sync(key);
  readonly queue: RateLimitingQueue<string>;
  readonly nodeInformer: SharedInformer<Node>;
  readonly leaseInformer: SharedInformer<Lease>;
  readonly podInformer: SharedInformer<Pod>;
  readonly health = new Map<string, NodeHealth>();

  constructor(readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>(undefined, ctx.clock);
    this.nodeInformer = ctx.informers.informerFor<Node>(resources.nodes);
    this.leaseInformer = ctx.informers.informerFor<Lease>(resources.leases);
    this.podInformer = ctx.informers.informerFor<Pod>(resources.pods);
    const enqueueNode = (n: Node): void => this.queue.add(n.metadata?.name ?? '');
    this.nodeInformer.addEventHandler({ onAdd: enqueueNode, onUpdate: (_o, n) => enqueueNode(n), onDelete: (o) => enqueueNode(deletedObject(o)) });
    const enqueueLease = (l: Lease): void => {
      if (l.metadata.namespace === nodeLeaseNamespace) this.queue.add(l.metadata.name);
    };
    this.leaseInformer.addEventHandler({ onAdd: enqueueLease, onUpdate: (_o, l) => enqueueLease(l) });
    // A pod landing on a tainted node must be looked at now, not at the next monitor period.
    const enqueuePodNode = (p: Pod): void => {
      const nodeName = p.spec?.nodeName;
      if (!nodeName) return;
      const node = this.nodeInformer.store.getByName('', nodeName);
      if (node?.spec?.taints?.some((t) => t.effect === 'NoExecute')) this.queue.add(nodeName);
    };
    this.podInformer.addEventHandler({ onAdd: enqueuePodNode, onUpdate: (_o, p) => enqueuePodNode(p) });
  }

  async run(signal: AbortSignal): Promise<void> {
    const monitor = async (): Promise<void> => {
      await Promise.all([this.nodeInformer, this.leaseInformer, this.podInformer].map((i) => i.waitForSync(signal)));
      while (!signal.aborted) {
        for (const key of this.nodeInformer.store.listKeys()) this.queue.add(key);
        await sleep(this.ctx.options.nodeMonitorPeriodMs, signal, this.ctx.clock);
      }
    };
    await Promise.all([
      runController({
        log: this.ctx.log,
        informers: [this.nodeInformer, this.leaseInformer, this.podInformer],
        queue: this.queue,
        sync: (key) => this.syncHandler(key),
        workers: 1,
        signal,
      }),
      monitor(),
    ]);
  }

  /** sync checks one node's health, its taints, and evicts what its NoExecute taints call for. */
  async sync(name: string): Promise<void> {
    const cached = this.nodeInformer.store.getByName('', name);
    if (!cached) {
      this.health.delete(name);
      return;
    }
    let node = structuredClone(cached) as Node;
    const now = this.ctx.clock.now();
    const lease = this.leaseInformer.store.getByName(nodeLeaseNamespace, name);
    const h = observeHeartbeat(this.health.get(name), node, lease?.spec?.renewTime, now);
    this.health.set(name, h);
    const silentFor = now - h.probeMs;
    const grace = this.ctx.options.nodeMonitorGracePeriodMs;
    if (silentFor > grace) node = await this.markNodeUnknown(node, now);
    else this.queue.addAfter(name, grace - silentFor + 1000);
    if (node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown') await this.markPodsNotReady(name);
    const fullDisruption = this.isFullDisruption(node);
    if (fullDisruption) this.ctx.log.debug({ node: name }, 'Every node is unhealthy, not evicting');
    node = await this.syncTaints(node, now, !fullDisruption);
    if (!fullDisruption) await this.evictPods(node, now);
  }

  /**
   * isFullDisruption: no node of the cluster is Ready. Then the problem is most likely on the control
   * plane's side (or the whole lab was suspended), and evicting everything would only make it worse, so
   * upstream stops evictions in a zone that is fully disrupted; nanokube treats the cluster as one zone.
   */
  private isFullDisruption(current: Node): boolean {
    const ready = (n: Node): boolean => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    if (ready(current)) return false;
    return this.nodeInformer.store.list().every((n) => n.metadata?.name === current.metadata?.name || !ready(n));
  }

  private async markNodeUnknown(node: Node, now: number): Promise<Node> {
    const wasReady = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    const conditions = markUnknown(node, iso(now));
    if (!conditions) return node;
    const name = node.metadata?.name ?? '';
    const updated = await this.ctx.client<Node>(resources.nodes).updateStatus({ ...node, status: { ...node.status, conditions } });
    this.ctx.log.info({ node: name }, 'Node stopped posting status, marked Unknown');
    if (wasReady) {
      this.ctx.recorder.event({ kind: 'Node', apiVersion: 'v1', metadata: { name, uid: name } }, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    }
    return updated;
  }

  private podsOn(nodeName: string): Pod[] {
    return this.podInformer.store.list().filter((p) => p.spec?.nodeName === nodeName);
  }

  /** markPodsNotReady sets Ready=False on the pods of a node that stopped reporting (upstream MarkPodsNotReady). */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    const pods = this.ctx.client<Pod>(resources.pods);
    const nowIso = iso(this.ctx.clock.now());
    for (const pod of this.podsOn(nodeName)) {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True') continue;
      const copy = structuredClone(pod) as Pod;
      for (const c of copy.status?.conditions ?? []) {
        if (c.type !== 'Ready') continue;
        c.status = 'False';
        c.lastTransitionTime = nowIso;
      }
      try {
        await pods.inNamespace(pod.metadata?.namespace ?? '').updateStatus(copy);
        this.ctx.recorder.event({ kind: 'Pod', apiVersion: 'v1', metadata: pod.metadata ?? {} }, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }

  private async syncTaints(node: Node, now: number, allowNoExecute: boolean): Promise<Node> {
    const taints = reconcileTaints(node, iso(now), allowNoExecute);
    if (!taints) return node;
    const spec: NonNullable<Node['spec']> = { ...node.spec, taints };
    // No taints left: drop the field, as upstream's omitempty does (describe shows `Taints: <none>`).
    if (taints.length === 0) delete spec.taints;
    const updated = await this.ctx.client<Node>(resources.nodes).update({ ...node, spec });
    this.ctx.log.info({ node: node.metadata?.name, taints: taints.map((t) => `${t.key}:${t.effect}`) }, 'Updated node condition taints');
    return updated;
  }

  /** evictPods deletes the pods the node's NoExecute taints no longer allow, and schedules the next look. */
  private async evictPods(node: Node, now: number): Promise<void> {
    const taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (taints.length === 0) return;
    const name = node.metadata?.name ?? '';
    const added = taints.map((t) => Date.parse(t.timeAdded ?? '')).filter((t) => !Number.isNaN(t));
    const since = added.length > 0 ? Math.min(...added) : now;
    const pods = this.ctx.client<Pod>(resources.pods);
    let nextCheck = Infinity;
    for (const pod of this.podsOn(name)) {
      if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      const delay = evictionDelayMs(pod, taints);
      if (delay === Infinity) continue;
      const at = since + delay;
      if (at > now) {
        nextCheck = Math.min(nextCheck, at - now);
        continue;
      }
      const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
      this.ctx.recorder.event({ kind: 'Pod', apiVersion: 'v1', metadata: pod.metadata ?? {} }, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
      try {
        await pods.inNamespace(pod.metadata?.namespace ?? '').delete(pod.metadata?.name ?? '', { preconditions: { uid: pod.metadata?.uid ?? '' } });
        this.ctx.log.info({ pod: key, node: name }, 'Evicted pod from tainted node');
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    if (nextCheck !== Infinity) this.queue.addAfter(name, nextCheck);
  }
}

/** descriptor registers the controller as upstream's `node-lifecycle-controller`. */
export const nodeLifecycleControllerDescriptor: ControllerDescriptor = {
  name: 'node-lifecycle-controller',
  aliases: ['nodelifecycle', 'taint-eviction-controller'],
  create: (ctx) => new NodeLifecycleController(ctx),
};

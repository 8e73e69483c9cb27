import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '@nanokube/api';
import { resources, sleep, type ResourceClient, type SharedInformer } from '@nanokube/client';
import type { ControllerContext, ControllerDescriptor } from '../../shared/index.js';

/** How often the collector looks (upstream gcCheckPeriod). */
export const gcCheckPeriodMs = 20_000;
/** A node missing from the cache must stay missing this long before its pods count as orphaned. */
export const quarantineMs = 40_000;

/**
 * PodGCController deletes pods nothing else will (upstream podgc): terminated pods beyond
 * `--terminated-pod-gc-threshold` (oldest first), pods bound to nodes that no longer exist, and
 * terminating pods never scheduled. The last two are force-deleted (grace period 0): no kubelet will
 * ever confirm them.
 */
export class PodGCController {
  readonly podInformer: SharedInformer<Pod>;
  readonly nodeInformer: SharedInformer<Node>;
  readonly podClient: ResourceClient<Pod>;
  readonly nodeClient: ResourceClient<Node>;
  /** When each node was first seen missing from the cache. */
  private readonly missingSince = new Map<string, number>();

  constructor(readonly ctx: ControllerContext) {
    this.podInformer = ctx.informers.informerFor<Pod>(resources.pods);
    this.nodeInformer = ctx.informers.informerFor<Node>(resources.nodes);
    this.podClient = ctx.client<Pod>(resources.pods);
    this.nodeClient = ctx.client<Node>(resources.nodes);
  }

  async run(signal: AbortSignal): Promise<void> {
    this.ctx.log.info('Starting controller');
    await Promise.all([this.podInformer.waitForSync(signal), this.nodeInformer.waitForSync(signal)]);
    while (!signal.aborted) {
      try {
        await this.gc();
      } catch (err) {
        this.ctx.log.warn({ err }, 'Pod garbage collection failed');
      }
      await sleep(gcCheckPeriodMs, signal, this.ctx.clock);
    }
    this.ctx.log.info('Shutting down controller');
  }

  /** gc runs one collection pass over the caches. */
  async gc(): Promise<void> {
    const pods = this.podInformer.store.list();
    await this.gcTerminated(pods);
    await this.gcOrphaned(pods);
    await this.gcUnscheduledTerminating(pods);
  }

  private async gcTerminated(pods: Pod[]): Promise<void> {
    const threshold = this.ctx.options.terminatedPodGcThreshold;
    if (threshold <= 0) return;
    const terminated = pods.filter((p) => (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') && !p.metadata?.deletionTimestamp);
    const excess = terminated.length - threshold;
    if (excess <= 0) return;
    terminated.sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? ''));
    for (const pod of terminated.slice(0, excess)) await this.deletePod(pod, false);
  }

  private async gcOrphaned(pods: Pod[]): Promise<void> {
    const now = this.ctx.clock.now();
    const known = new Set(this.nodeInformer.store.listKeys());
    const missing = new Set<string>();
    for (const pod of pods) {
      const node = pod.spec?.nodeName;
      if (node && !known.has(node)) missing.add(node);
    }
    for (const n of [...this.missingSince.keys()]) if (!missing.has(n)) this.missingSince.delete(n);
    for (const node of missing) {
      const since = this.missingSince.get(node) ?? now;
      this.missingSince.set(node, since);
      if (now - since < quarantineMs || !(await this.nodeGone(node))) continue;
      for (const pod of pods) if (pod.spec?.nodeName === node) await this.deletePod(pod, true);
      this.missingSince.delete(node);
    }
  }

  private async gcUnscheduledTerminating(pods: Pod[]): Promise<void> {
    for (const pod of pods) if (pod.metadata?.deletionTimestamp && !pod.spec?.nodeName) await this.deletePod(pod, true);
  }

  /** nodeGone double-checks with the apiserver that a node the cache lacks really does not exist. */
  private async nodeGone(name: string): Promise<boolean> {
    try {
      await this.nodeClient.get(name);
      return false;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  }

  private async deletePod(pod: Pod, force: boolean): Promise<void> {
    const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    try {
      await this.podClient.inNamespace(pod.metadata?.namespace ?? '').delete(pod.metadata?.name ?? '', force ? { gracePeriodSeconds: 0 } : {});
      this.ctx.log.info({ pod: key, force }, 'Garbage collected pod');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** descriptor registers the pod garbage collector (upstream `pod-garbage-collector-controller`). */
export const podGCControllerDescriptor: ControllerDescriptor = {
  name: 'pod-garbage-collector-controller',
  aliases: ['podgc'],
  create: (ctx) => new PodGCController(ctx),
};

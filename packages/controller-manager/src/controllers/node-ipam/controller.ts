import type { Node } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '@nanokube/api';
import { RateLimitingQueue, resources, type SharedInformer } from '@nanokube/client';
import { deletedObject, runController, type ControllerContext, type ControllerDescriptor } from '../../shared/index.js';
import { CidrSet, parseCidr } from './cidr.js';

/**
 * NodeIpamController gives every node a pod CIDR (`spec.podCIDR` and `spec.podCIDRs`) carved out of
 * `--cluster-cidr` with `--node-cidr-mask-size` (upstream node-ipam-controller, RangeAllocator). CIDRs
 * already on nodes are read from the cache before anything is allocated, so allocations are stable across
 * restarts; a CIDR handed out but not yet seen in the cache is held in `pending`.
 */
export class NodeIpamController {
  /** Replaced in tests. */
  syncHandler: (key: string) => Promise<void> = (key) => this.sync(key);
  readonly queue: RateLimitingQueue<string>;
  readonly nodeInformer: SharedInformer<Node>;
  readonly cidrs: CidrSet;
  private readonly pending = new Map<string, string>();

  constructor(readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>(undefined, ctx.clock);
    const cluster = parseCidr(ctx.options.clusterCidr);
    if (!cluster) throw new Error(`--cluster-cidr "${ctx.options.clusterCidr}" is not an IPv4 CIDR`);
    this.cidrs = new CidrSet(cluster, ctx.options.nodeCidrMaskSize);
    this.nodeInformer = ctx.informers.informerFor<Node>(resources.nodes);
    const enqueue = (n: Node): void => this.queue.add(n.metadata?.name ?? '');
    this.nodeInformer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: (o) => enqueue(deletedObject(o)) });
  }

  async run(signal: AbortSignal): Promise<void> {
    if (!this.ctx.options.allocateNodeCidrs) {
      this.ctx.log.info('Node CIDR allocation is off (--allocate-node-cidrs=false)');
      return;
    }
    return runController({
      log: this.ctx.log,
      informers: [this.nodeInformer],
      queue: this.queue,
      sync: (key) => this.syncHandler(key),
      workers: 1,
      signal,
    });
  }

  /** sync allocates a pod CIDR to one node that has none. */
  async sync(name: string): Promise<void> {
    const node = this.nodeInformer.store.getByName('', name);
    if (!node || node.spec?.podCIDR || node.metadata?.deletionTimestamp) {
      this.pending.delete(name);
      return;
    }
    const pending = this.pending.get(name);
    const cidr = pending ?? this.cidrs.firstFree(this.usedCidrs());
    if (!cidr) {
      this.ctx.recorder.event({ kind: 'Node', apiVersion: 'v1', metadata: { name, uid: name } }, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
      throw new Error(`no pod CIDR left in ${this.ctx.options.clusterCidr} for node ${name}`);
    }
    this.pending.set(name, cidr);
    try {
      await this.ctx.client<Node>(resources.nodes).patch(name, 'merge', { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
      this.ctx.log.info({ node: name, podCIDR: cidr }, 'Set node pod CIDR');
    } catch (err) {
      this.pending.delete(name);
      if (isNotFound(err)) return;
      throw err;
    }
  }

  private usedCidrs(): Set<string> {
    const used = new Set(this.pending.values());
    for (const n of this.nodeInformer.store.list()) {
      for (const c of n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])) used.add(c);
    }
    return used;
  }
}

/** descriptor registers the controller as upstream's `node-ipam-controller`. */
export const nodeIpamControllerDescriptor: ControllerDescriptor = {
  name: 'node-ipam-controller',
  aliases: ['nodeipam'],
  create: (ctx) => new NodeIpamController(ctx),
};

import type { LoadBalancerIngress, Service } from 'kubernetes-types/core/v1.js';
import { metaNamespaceKey, RateLimitingQueue, resources, splitMetaNamespaceKey, type ResourceClient, type SharedInformer } from '@nanokube/client';
import { deletedObject, runController, type ControllerContext, type ControllerDescriptor } from '../../shared/index.js';
import { firstFree, loadPools, poolOf, type AddressPool } from './pools.js';

/** Annotations MetalLB reads (both its old and new prefixes). */
const poolAnnotations = ['metallb.io/address-pool', 'metallb.universe.tf/address-pool'];
const ipAnnotations = ['metallb.io/loadBalancerIPs', 'metallb.universe.tf/loadBalancerIPs'];

/**
 * ServiceLBController gives every `type: LoadBalancer` Service without a loadBalancerClass an address
 * from the configured pools, as MetalLB's controller does: `status.loadBalancer.ingress[{ip, ipMode: VIP}]`
 * written through the status subresource. A requested address (`spec.loadBalancerIP` or MetalLB's
 * `loadBalancerIPs` annotation) and a named pool (`address-pool` annotation) are honoured. The address is
 * released when the Service is deleted or stops being a LoadBalancer.
 */
export class ServiceLBController {
  /** Replaced in tests. */
  syncHandler: (key: string) => Promise<void> = (key) => this.sync(key);
  readonly queue: RateLimitingQueue<string>;
  readonly serviceInformer: SharedInformer<Service>;
  readonly serviceClient: ResourceClient<Service>;
  /** The pools, loaded once (a config file is read on first use). Replaced in tests. */
  pools: Promise<AddressPool[]> | undefined;
  /** Addresses we assigned whose status write the cache may not show yet, by Service key. */
  private readonly assigned = new Map<string, string>();

  constructor(readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>(undefined, ctx.clock);
    this.serviceInformer = ctx.informers.informerFor<Service>(resources.services);
    this.serviceClient = ctx.client<Service>(resources.services);
    const enqueue = (s: Service): void => this.queue.add(metaNamespaceKey(s));
    this.serviceInformer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, s) => enqueue(s), onDelete: (o) => enqueue(deletedObject(o)) });
  }

  run(signal: AbortSignal): Promise<void> {
    return runController({
      log: this.ctx.log,
      informers: [this.serviceInformer],
      queue: this.queue,
      sync: (key) => this.syncHandler(key),
      workers: this.ctx.options.concurrentSyncs.serviceLb,
      signal,
    });
  }

  /** sync assigns, keeps or releases the LoadBalancer address of the Service `key`. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const svc = this.serviceInformer.store.getByName(namespace, name);
    const pools = await (this.pools ??= loadPools(this.ctx.options));
    if (!svc) {
      this.release(key);
      return;
    }
    const current = svc.status?.loadBalancer?.ingress?.find((i) => i.ip)?.ip;
    if (!wantsAddress(svc)) {
      this.release(key);
      // Only clear what we handed out: another implementation may own a class-bearing Service's status.
      if (current && poolOf(pools, current) && !svc.spec?.loadBalancerClass) await this.writeIngress(svc, []);
      return;
    }
    const result = this.choose(svc, key, pools, current ?? this.assigned.get(key));
    if ('error' in result) {
      this.ctx.recorder.event(target(svc), 'Warning', 'AllocationFailed', `Failed to allocate IP for "${key}": ${result.error}`);
      if (current) await this.writeIngress(svc, []);
      this.release(key);
      return;
    }
    this.assigned.set(key, result.ip);
    if (result.ip === current && svc.status?.loadBalancer?.ingress?.length === 1) return;
    await this.writeIngress(svc, [{ ip: result.ip, ipMode: 'VIP' }]);
    this.ctx.recorder.event(target(svc), 'Normal', 'IPAllocated', `Assigned IP ["${result.ip}"]`);
    this.ctx.log.info({ service: key, ip: result.ip }, 'Assigned LoadBalancer IP');
  }

  /** choose picks the Service's address: the requested one, its current one, or the first free one. */
  private choose(svc: Service, key: string, pools: AddressPool[], preferred: string | undefined): { ip: string } | { error: string } {
    const used = this.usedAddresses(key);
    const poolName = annotation(svc, poolAnnotations);
    const candidates = poolName ? pools.filter((p) => p.name === poolName) : pools;
    if (poolName && candidates.length === 0) return { error: `unknown pool "${poolName}"` };
    const requested = requestedAddress(svc);
    if (requested) {
      const pool = poolOf(candidates, requested);
      if (!pool) return { error: `"${requested}" is not allowed in config` };
      if (used.has(requested)) return { error: `can't change sharing key for "${key}", address also in use by another service` };
      return { ip: requested };
    }
    if (preferred && poolOf(candidates, preferred) && !used.has(preferred)) return { ip: preferred };
    for (const pool of candidates) {
      if (!poolName && !pool.autoAssign) continue;
      const ip = firstFree(pool, used);
      if (ip) return { ip };
    }
    return { error: 'no available IPs' };
  }

  /** usedAddresses is every address held by another Service, in the cache or by a write not yet seen. */
  private usedAddresses(exceptKey: string): Set<string> {
    const used = new Set<string>();
    for (const s of this.serviceInformer.store.list()) {
      if (metaNamespaceKey(s) === exceptKey || !wantsAddress(s)) continue;
      for (const i of s.status?.loadBalancer?.ingress ?? []) if (i.ip) used.add(i.ip);
    }
    for (const [k, ip] of this.assigned) if (k !== exceptKey) used.add(ip);
    return used;
  }

  private release(key: string): void {
    if (!this.assigned.delete(key)) return;
    // Services waiting for an address may get this one now.
    for (const s of this.serviceInformer.store.list()) {
      if (wantsAddress(s) && !s.status?.loadBalancer?.ingress?.length) this.queue.add(metaNamespaceKey(s));
    }
  }

  private async writeIngress(svc: Service, ingress: LoadBalancerIngress[]): Promise<void> {
    // Copy first: the cached object is shared with the informer.
    const copy = structuredClone(svc) as Service;
    const next: Service = { ...copy, status: { ...copy.status, loadBalancer: ingress.length > 0 ? { ingress } : {} } };
    await this.serviceClient.inNamespace(svc.metadata?.namespace ?? '').updateStatus(next);
  }
}

function wantsAddress(svc: Service): boolean {
  return svc.spec?.type === 'LoadBalancer' && !svc.spec.loadBalancerClass;
}

function annotation(svc: Service, names: string[]): string | undefined {
  for (const n of names) {
    const v = svc.metadata?.annotations?.[n];
    if (v) return v.trim();
  }
  return undefined;
}

function requestedAddress(svc: Service): string | undefined {
  const fromAnnotation = annotation(svc, ipAnnotations)
    ?.split(',')
    .map((s) => s.trim())
    .find((s) => /^\d+\.\d+\.\d+\.\d+$/.test(s));
  return fromAnnotation ?? (svc.spec?.loadBalancerIP || undefined);
}

function target(svc: Service): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: svc.metadata ?? {} };
}

/** descriptor registers the LoadBalancer address allocator (upstream's `service-lb-controller` slot). */
export const serviceLBControllerDescriptor: ControllerDescriptor = {
  name: 'service-lb-controller',
  aliases: ['service'],
  create: (ctx) => new ServiceLBController(ctx),
};

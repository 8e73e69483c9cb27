import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '@nanokube/api';
import {
  metaNamespaceKey,
  RateLimitingQueue,
  resources,
  splitMetaNamespaceKey,
  type ResourceClient,
  type SharedInformer,
} from '@nanokube/client';
import { deletedObject, runController, type ControllerContext, type ControllerDescriptor } from '../../shared/index.js';
import { hasSelector, isApiserverService, podEndpointChanged, podsSelectedBy, servicesSelectingPod } from './pods.js';
import { computeSubsets } from './subsets.js';

/** Label upstream puts on the Endpoints (and EndpointSlices) of a headless Service. */
export const headlessLabel = 'service.kubernetes.io/headless';

/**
 * EndpointsController keeps a core/v1 Endpoints object, named after its Service, listing the addresses
 * of the pods that the Service's selector matches (upstream endpoint controller). Services without a
 * selector are left alone: their Endpoints are the user's. The `default/kubernetes` Endpoints belong to
 * the apiserver and are never touched.
 */
export class EndpointsController {
  /** Replaced in tests. */
  syncHandler: (key: string) => Promise<void> = (key) => this.sync(key);
  readonly queue: RateLimitingQueue<string>;
  readonly serviceInformer: SharedInformer<Service>;
  readonly podInformer: SharedInformer<Pod>;
  readonly endpointsInformer: SharedInformer<Endpoints>;
  readonly endpointsClient: ResourceClient<Endpoints>;

  constructor(readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>(undefined, ctx.clock);
    this.serviceInformer = ctx.informers.informerFor<Service>(resources.services);
    this.podInformer = ctx.informers.informerFor<Pod>(resources.pods);
    this.endpointsInformer = ctx.informers.informerFor<Endpoints>(resources.endpoints);
    this.endpointsClient = ctx.client<Endpoints>(resources.endpoints);
    const enqueue = (o: Service | Endpoints): void => this.queue.add(metaNamespaceKey(o));
    this.serviceInformer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, s) => enqueue(s), onDelete: (o) => enqueue(deletedObject(o)) });
    this.endpointsInformer.addEventHandler({ onUpdate: (_o, e) => enqueue(e), onDelete: (o) => enqueue(deletedObject(o)) });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.enqueueServicesOf(pod),
      onUpdate: (oldPod, pod) => {
        const changed = podEndpointChanged(oldPod, pod);
        if (!changed.endpoint) return;
        this.enqueueServicesOf(pod);
        if (changed.labels) this.enqueueServicesOf(oldPod);
      },
      onDelete: (obj) => this.enqueueServicesOf(deletedObject(obj)),
    });
  }

  run(signal: AbortSignal): Promise<void> {
    return runController({
      log: this.ctx.log,
      informers: [this.serviceInformer, this.podInformer, this.endpointsInformer],
      queue: this.queue,
      sync: (key) => this.syncHandler(key),
      workers: this.ctx.options.concurrentSyncs.endpoint,
      signal,
    });
  }

  /** sync makes the Endpoints of the Service `key` match its pods, or deletes them with the Service. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    if (namespace === 'default' && name === 'kubernetes') return;
    const svc = this.serviceInformer.store.getByName(namespace, name);
    const client = this.endpointsClient.inNamespace(namespace);
    if (!svc) {
      // The Service is gone: its Endpoints go too (they carry no ownerReference for the GC).
      if (!this.endpointsInformer.store.getByName(namespace, name)) return;
      try {
        await client.delete(name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    if (!hasSelector(svc) || isApiserverService(svc)) return;
    const subsets = computeSubsets(svc, podsSelectedBy(this.podInformer.store, svc));
    const labels = endpointsLabels(svc);
    const current = this.endpointsInformer.store.getByName(namespace, name);
    if (current && sameJson(current.subsets ?? [], subsets) && sameJson(current.metadata?.labels ?? {}, labels)) return;
    const log = this.ctx.log.child({ service: key });
    if (!current) {
      const ep: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels }, ...(subsets.length ? { subsets } : {}) };
      await client.create(ep);
      log.debug({ subsets: subsets.length }, 'Created endpoints');
      return;
    }
    // Copy first: the cached object is shared with the informer.
    const next = structuredClone(current) as Endpoints;
    next.metadata = { ...next.metadata, labels };
    if (subsets.length) next.subsets = subsets;
    else delete next.subsets;
    await client.update(next);
    log.debug({ subsets: subsets.length }, 'Updated endpoints');
  }

  private enqueueServicesOf(pod: Pod): void {
    for (const svc of servicesSelectingPod(this.serviceInformer.store, pod)) this.queue.add(metaNamespaceKey(svc));
  }
}

/** endpointsLabels are the Service's labels, plus the headless marker upstream adds. */
export function endpointsLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  if (svc.spec?.clusterIP === 'None') labels[headlessLabel] = '';
  else delete labels[headlessLabel];
  return labels;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** descriptor registers the endpoints controller (upstream `endpoints-controller`, alias `endpoint`). */
export const endpointsControllerDescriptor: ControllerDescriptor = {
  name: 'endpoints-controller',
  aliases: ['endpoint'],
  create: (ctx) => new EndpointsController(ctx),
};

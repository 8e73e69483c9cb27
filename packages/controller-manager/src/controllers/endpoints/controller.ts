import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '@nanokube/api';
import { resources, splitMetaNamespaceKey, type ResourceClient, type SharedInformer } from '@nanokube/client';
import { enqueueObject, QueueController, type ControllerContext, type ControllerDescriptor, type Syncable } from '../../shared/index.js';
import { hasSelector, isApiserverService, podsSelectedBy, servicePodHandlers } from './pods.js';
import { computeSubsets } from './subsets.js';

/** Label upstream puts on the Endpoints (and EndpointSlices) of a headless Service. */
export const headlessLabel = 'service.kubernetes.io/headless';

/**
 * EndpointsController keeps a core/v1 Endpoints object, named after its Service, listing the addresses
 * of the pods that the Service's selector matches (upstream endpoint controller). Services without a
 * selector are left alone: their Endpoints are the user's. The `default/kubernetes` Endpoints belong to
 * the apiserver and are never touched.
 */
export class EndpointsController extends QueueController {
  readonly serviceInformer: SharedInformer<Service>;
  readonly podInformer: SharedInformer<Pod>;
  readonly endpointsInformer: SharedInformer<Endpoints>;
  readonly endpointsClient: ResourceClient<Endpoints>;

  constructor(ctx: ControllerContext) {
    super(ctx, 'endpoint');
    this.serviceInformer = ctx.informers.informerFor<Service>(resources.services);
    this.podInformer = ctx.informers.informerFor<Pod>(resources.pods);
    this.endpointsInformer = ctx.informers.informerFor<Endpoints>(resources.endpoints);
    this.endpointsClient = ctx.client<Endpoints>(resources.endpoints);
    this.serviceInformer.addEventHandler(enqueueObject(this.queue));
    // Endpoints: updates and deletes only, as upstream.
    const { onUpdate, onDelete } = enqueueObject<Endpoints>(this.queue);
    this.endpointsInformer.addEventHandler({ onUpdate, onDelete });
    this.podInformer.addEventHandler(servicePodHandlers(this.serviceInformer.store, this.queue));
  }

  protected informersToSync(): Syncable[] {
    return [this.serviceInformer, this.podInformer, this.endpointsInformer];
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

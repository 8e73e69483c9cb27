import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '@nanokube/api';
import { metaNamespaceKey, resources, splitMetaNamespaceKey, type ResourceClient, type SharedInformer } from '@nanokube/client';
import { deletedObject, QueueController, type ControllerContext, type ControllerDescriptor, type Syncable } from '../../shared/index.js';
import { hasSelector, isApiserverService, podsSelectedBy, servicePodHandlers } from '../endpoints/pods.js';
import {
  chunk,
  desiredEndpointGroups,
  managedByLabel,
  managedByValue,
  maxEndpointsPerSlice,
  newSlice,
  portsKey,
  serviceNameLabel,
  serviceOwnerRef,
  sliceLabels,
  type EndpointGroup,
} from './desired.js';
import { SliceTracker } from './tracker.js';

/**
 * EndpointSliceController keeps the discovery.k8s.io/v1 EndpointSlices of every Service with a selector
 * (upstream endpointslice controller): one slice per resolved port set and up to 100 endpoints, labelled
 * `kubernetes.io/service-name` and managed-by `endpointslice-controller.k8s.io`, owned by the Service so
 * the garbage collector removes them with it. A Service without endpoints keeps one empty placeholder.
 */
export class EndpointSliceController extends QueueController {
  readonly serviceInformer: SharedInformer<Service>;
  readonly podInformer: SharedInformer<Pod>;
  readonly sliceInformer: SharedInformer<EndpointSlice>;
  readonly sliceClient: ResourceClient<EndpointSlice>;
  /** Our own writes not yet seen in the cache: syncing before they arrive would duplicate slices. */
  readonly tracker = new SliceTracker();

  constructor(ctx: ControllerContext) {
    super(ctx, 'endpointslice');
    this.serviceInformer = ctx.informers.informerFor<Service>(resources.services);
    this.podInformer = ctx.informers.informerFor<Pod>(resources.pods);
    this.sliceInformer = ctx.informers.informerFor<EndpointSlice>(resources.endpointslices);
    this.sliceClient = ctx.client<EndpointSlice>(resources.endpointslices);
    const enqueue = (s: Service): void => this.queue.add(metaNamespaceKey(s));
    this.serviceInformer.addEventHandler({
      onAdd: enqueue,
      onUpdate: (_o, s) => enqueue(s),
      onDelete: (o) => this.tracker.forget(metaNamespaceKey(deletedObject(o))),
    });
    const serviceKeyOf = (s: EndpointSlice): string | undefined => {
      const svc = s.metadata?.labels?.[serviceNameLabel];
      return svc && s.metadata?.labels?.[managedByLabel] === managedByValue ? `${s.metadata?.namespace ?? ''}/${svc}` : undefined;
    };
    const onSlice = (s: EndpointSlice): void => {
      const k = serviceKeyOf(s);
      if (k) this.queue.add(k);
    };
    this.sliceInformer.addEventHandler({
      onAdd: onSlice,
      onUpdate: (_o, s) => onSlice(s),
      onDelete: (o) => {
        const s = deletedObject(o);
        const k = serviceKeyOf(s);
        if (!k) return;
        this.tracker.sliceGone(k, s.metadata?.name ?? '');
        this.queue.add(k);
      },
    });
    this.podInformer.addEventHandler(servicePodHandlers(this.serviceInformer.store, this.queue));
  }

  protected informersToSync(): Syncable[] {
    return [this.serviceInformer, this.podInformer, this.sliceInformer];
  }

  /** sync reconciles the EndpointSlices of the Service `key` with the pods it selects. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const svc = this.serviceInformer.store.getByName(namespace, name);
    // A deleted Service's slices are the garbage collector's (they carry its ownerReference).
    if (!svc || !hasSelector(svc) || isApiserverService(svc)) return;
    const existing = this.sliceInformer.store
      .listNamespace(namespace)
      .filter((s) => s.metadata?.labels?.[serviceNameLabel] === name && s.metadata?.labels?.[managedByLabel] === managedByValue);
    if (!this.tracker.observed(key, existing)) {
      throw new Error(`EndpointSlice informer cache is out of date for service ${key}`);
    }
    const groups = desiredEndpointGroups(svc, podsSelectedBy(this.podInformer.store, svc));
    // No endpoints at all: keep a single empty placeholder slice, as upstream does.
    if (groups.size === 0) groups.set(portsKey([]), { ports: [], endpoints: [] });
    const client = this.sliceClient.inNamespace(namespace);
    const byKey = new Map<string, EndpointSlice[]>();
    for (const s of existing) {
      const owned = s.metadata?.ownerReferences?.some((r) => r.uid === svc.metadata?.uid);
      const k = owned ? portsKey(s.ports ?? undefined) : '\u0000stale';
      byKey.set(k, [...(byKey.get(k) ?? []), s]);
    }
    // Slices of port sets no longer wanted are reused before anything is created, then deleted.
    const spares = [...byKey.entries()].filter(([k]) => !groups.has(k) && k !== '\u0000stale').flatMap(([, v]) => v);
    for (const [k, group] of groups) {
      const current = (byKey.get(k) ?? []).sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
      await this.reconcileGroup(key, svc, group, current, spares);
    }
    const stale = [...(byKey.get('\u0000stale') ?? []), ...spares];
    for (const slice of stale) await this.deleteSlice(key, client, slice);
  }

  private async reconcileGroup(key: string, svc: Service, group: EndpointGroup, current: EndpointSlice[], spares: EndpointSlice[]): Promise<void> {
    const client = this.sliceClient.inNamespace(svc.metadata?.namespace ?? '');
    const chunks = chunk(group.endpoints, maxEndpointsPerSlice);
    for (const [i, endpoints] of chunks.entries()) {
      const want: EndpointGroup = { ports: group.ports, endpoints };
      const have = current[i] ?? spares.shift();
      if (!have) {
        const created = await client.create(newSlice(svc, want));
        this.tracker.wrote(key, created);
        continue;
      }
      const labels = sliceLabels(svc);
      const ports = group.ports.length > 0 ? group.ports : undefined;
      if (
        sameJson(have.endpoints ?? [], endpoints) &&
        sameJson(have.ports ?? undefined, ports) &&
        sameJson(have.metadata?.labels ?? {}, labels)
      ) {
        continue;
      }
      // Copy first: the cached object is shared with the informer.
      const next = structuredClone(have) as EndpointSlice;
      next.metadata = { ...next.metadata, labels, ownerReferences: [serviceOwnerRef(svc)] };
      next.endpoints = endpoints;
      if (ports) next.ports = ports;
      else delete next.ports;
      this.tracker.wrote(key, await client.update(next));
    }
    for (const extra of current.slice(chunks.length)) await this.deleteSlice(key, client, extra);
  }

  private async deleteSlice(key: string, client: ResourceClient<EndpointSlice>, slice: EndpointSlice): Promise<void> {
    try {
      await client.delete(slice.metadata?.name ?? '');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.tracker.deleted(key, slice.metadata?.name ?? '');
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** descriptor registers the EndpointSlice controller (upstream `endpointslice-controller`). */
export const endpointSliceControllerDescriptor: ControllerDescriptor = {
  name: 'endpointslice-controller',
  aliases: ['endpointslice'],
  create: (ctx) => new EndpointSliceController(ctx),
};

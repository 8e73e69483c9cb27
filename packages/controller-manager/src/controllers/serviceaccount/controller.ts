import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isForbidden, isNotFound } from '@nanokube/api';
import { RateLimitingQueue, resources, type SharedInformer } from '@nanokube/client';
import { deletedObject, runController, type ControllerContext, type ControllerDescriptor } from '../../shared/index.js';

/** The service accounts every namespace gets (upstream: just `default`). */
export const defaultServiceAccounts = ['default'];

/**
 * ServiceAccountsController makes sure every active namespace has its `default` ServiceAccount, and
 * re-creates it when it is deleted (upstream serviceaccount-controller).
 */
export class ServiceAccountsController {
  /** Replaced in tests. */
  syncHandler: (key: string) => Promise<void> = (key) => this.sync(key);
  readonly queue: RateLimitingQueue<string>;
  readonly nsInformer: SharedInformer<Namespace>;
  readonly saInformer: SharedInformer<ServiceAccount>;

  constructor(readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>(undefined, ctx.clock);
    this.nsInformer = ctx.informers.informerFor<Namespace>(resources.namespaces);
    this.saInformer = ctx.informers.informerFor<ServiceAccount>(resources.serviceaccounts);
    const enqueueNs = (ns: Namespace): void => this.queue.add(ns.metadata?.name ?? '');
    this.nsInformer.addEventHandler({ onAdd: enqueueNs, onUpdate: (_o, ns) => enqueueNs(ns) });
    this.saInformer.addEventHandler({
      onDelete: (obj) => {
        const sa = deletedObject(obj);
        if (defaultServiceAccounts.includes(sa.metadata?.name ?? '')) this.queue.add(sa.metadata?.namespace ?? '');
      },
    });
  }

  run(signal: AbortSignal): Promise<void> {
    return runController({
      log: this.ctx.log,
      informers: [this.nsInformer, this.saInformer],
      queue: this.queue,
      sync: (key) => this.syncHandler(key),
      workers: this.ctx.options.concurrentSyncs.serviceaccount,
      signal,
    });
  }

  /** sync creates the namespace's missing default service accounts. */
  async sync(namespace: string): Promise<void> {
    const ns = this.nsInformer.store.getByName('', namespace);
    if (!ns || ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating') return;
    const client = this.ctx.client<ServiceAccount>(resources.serviceaccounts).inNamespace(namespace);
    for (const name of defaultServiceAccounts) {
      if (this.saInformer.store.getByName(namespace, name)) continue;
      try {
        await client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
        this.ctx.log.debug({ serviceAccount: `${namespace}/${name}` }, 'Created service account');
      } catch (err) {
        // Exists already (cache behind), or the namespace started terminating meanwhile.
        if (isAlreadyExists(err) || isNotFound(err) || isForbidden(err)) continue;
        throw err;
      }
    }
  }
}

/** descriptor registers the controller as upstream's `serviceaccount-controller`. */
export const serviceAccountControllerDescriptor: ControllerDescriptor = {
  name: 'serviceaccount-controller',
  aliases: ['serviceaccount'],
  create: (ctx) => new ServiceAccountsController(ctx),
};

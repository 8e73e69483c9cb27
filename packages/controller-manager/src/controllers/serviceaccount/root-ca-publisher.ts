import { readFile } from 'node:fs/promises';
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isForbidden, isNotFound } from '@nanokube/api';
import { RateLimitingQueue, resources, type SharedInformer } from '@nanokube/client';
import { deletedObject, runController, type ControllerContext, type ControllerDescriptor } from '../../shared/index.js';

/** The ConfigMap every namespace gets; pods' kube-api-access volumes project its `ca.crt`. */
export const rootCaConfigMapName = 'kube-root-ca.crt';

/**
 * RootCaPublisher publishes the cluster CA (`--root-ca-file`) as the `kube-root-ca.crt` ConfigMap in
 * every namespace and keeps it as published (upstream root-ca-certificate-publisher-controller).
 */
export class RootCaPublisher {
  /** Replaced in tests. */
  syncHandler: (key: string) => Promise<void> = (key) => this.sync(key);
  readonly queue: RateLimitingQueue<string>;
  readonly nsInformer: SharedInformer<Namespace>;
  readonly cmInformer: SharedInformer<ConfigMap>;
  private caPem: string | undefined;

  constructor(readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>(undefined, ctx.clock);
    this.nsInformer = ctx.informers.informerFor<Namespace>(resources.namespaces);
    this.cmInformer = ctx.informers.informerFor<ConfigMap>(resources.configmaps);
    const enqueueNs = (ns: Namespace): void => this.queue.add(ns.metadata?.name ?? '');
    this.nsInformer.addEventHandler({ onAdd: enqueueNs, onUpdate: (_o, ns) => enqueueNs(ns) });
    const enqueueCm = (cm: ConfigMap): void => {
      if (cm.metadata?.name === rootCaConfigMapName) this.queue.add(cm.metadata.namespace ?? '');
    };
    this.cmInformer.addEventHandler({ onUpdate: (_o, cm) => enqueueCm(cm), onDelete: (obj) => enqueueCm(deletedObject(obj)) });
  }

  /** setCa sets the published certificate (tests; run() reads --root-ca-file). */
  setCa(pem: string): void {
    this.caPem = pem;
  }

  async run(signal: AbortSignal): Promise<void> {
    const file = this.ctx.options.rootCaFile;
    if (!file) {
      this.ctx.log.info('No --root-ca-file given, not publishing kube-root-ca.crt');
      return;
    }
    this.caPem = await readFile(file, 'utf8');
    return runController({
      log: this.ctx.log,
      informers: [this.nsInformer, this.cmInformer],
      queue: this.queue,
      sync: (key) => this.syncHandler(key),
      workers: 1,
      signal,
    });
  }

  async sync(namespace: string): Promise<void> {
    const ca = this.caPem;
    const ns = this.nsInformer.store.getByName('', namespace);
    if (ca === undefined || !ns || ns.metadata?.deletionTimestamp) return;
    const client = this.ctx.client<ConfigMap>(resources.configmaps).inNamespace(namespace);
    const cm = this.cmInformer.store.getByName(namespace, rootCaConfigMapName);
    try {
      if (!cm) {
        await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: rootCaConfigMapName, namespace }, data: { 'ca.crt': ca } });
      } else if (cm.data?.['ca.crt'] !== ca || Object.keys(cm.data ?? {}).length !== 1) {
        await client.update({ ...structuredClone(cm), data: { 'ca.crt': ca } } as ConfigMap);
      }
    } catch (err) {
      if (isAlreadyExists(err) || isNotFound(err) || isForbidden(err)) return;
      throw err;
    }
  }
}

/** descriptor registers the controller as upstream's `root-ca-certificate-publisher-controller`. */
export const rootCaCertPublisherDescriptor: ControllerDescriptor = {
  name: 'root-ca-certificate-publisher-controller',
  aliases: ['root-ca-cert-publisher'],
  create: (ctx) => new RootCaPublisher(ctx),
};

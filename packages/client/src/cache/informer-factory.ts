import type { Logger } from '@nanokube/component-base';
import { ResourceClient } from '../rest/resource-client.js';
import type { RestClient } from '../rest/rest-client.js';
import type { GroupVersionResource, KubeObject } from '../rest/types.js';
import { SharedInformer, type InformerOptions } from './informer.js';
import type { IndexFunc } from './store.js';

/**
 * SharedInformerFactory hands out one SharedInformer per resource (and selector), so every controller of
 * a process shares a single list+watch and cache per resource, as client-go's factory does.
 */
export class SharedInformerFactory {
  private readonly informers = new Map<string, SharedInformer<KubeObject>>();
  private started = new Set<string>();
  private signal: AbortSignal | undefined;

  constructor(
    private readonly rest: RestClient,
    private readonly log: Logger,
    private readonly defaults: { resyncMs?: number } = {},
  ) {}

  /** informerFor returns the shared informer of a resource; extra indexers are merged in on first use. */
  informerFor<T extends KubeObject>(
    gvr: GroupVersionResource,
    opts: { labelSelector?: string; fieldSelector?: string; indexers?: Record<string, IndexFunc<T>> } = {},
  ): SharedInformer<T> {
    const key = `${gvr.group}/${gvr.resource}?${opts.labelSelector ?? ''}&${opts.fieldSelector ?? ''}`;
    let inf = this.informers.get(key) as SharedInformer<T> | undefined;
    if (!inf) {
      const informerOpts: InformerOptions<T> = {
        client: new ResourceClient<T>(this.rest, gvr),
        log: this.log,
        ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
        ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}),
        ...(opts.indexers ? { indexers: opts.indexers } : {}),
        ...(this.defaults.resyncMs ? { resyncMs: this.defaults.resyncMs } : {}),
      };
      inf = new SharedInformer<T>(informerOpts);
      this.informers.set(key, inf as unknown as SharedInformer<KubeObject>);
      if (this.signal) this.startOne(key);
    }
    return inf;
  }

  /** start runs every informer created so far, and any created later, until signal aborts. */
  start(signal: AbortSignal): void {
    this.signal = signal;
    for (const key of this.informers.keys()) this.startOne(key);
  }

  /** waitForCacheSync resolves once every informer has completed its first list. */
  async waitForCacheSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
  }

  private startOne(key: string): void {
    if (this.started.has(key) || !this.signal) return;
    this.started.add(key);
    void (this.informers.get(key) as SharedInformer<KubeObject>).run(this.signal);
  }
}

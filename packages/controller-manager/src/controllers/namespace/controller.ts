import type { Namespace, NamespaceCondition } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '@nanokube/api';
import {
  RateLimitingQueue,
  resourcePath,
  resources,
  type KubeObject,
  type SharedInformer,
} from '@nanokube/client';
import { discoverResources, runController, type ControllerContext, type ControllerDescriptor, type DiscoveredResource } from '../../shared/index.js';

/** The finalizer the namespace controller owns in spec.finalizers. */
export const kubernetesFinalizer = 'kubernetes';

/** How long to wait before looking again at a namespace whose content is still being deleted. */
export const contentRemainingRequeueMs = 2_000;

/** What deleting a namespace's content left behind. */
interface ContentResult {
  /** Objects still present, by `resource.group`. */
  remaining: Map<string, number>;
  /** Objects still carrying finalizers, by finalizer. */
  finalizers: Map<string, number>;
}

/**
 * NamespaceController empties namespaces being deleted (upstream namespace controller): it discovers
 * every namespaced resource, deletes all objects of the namespace, waits until none is left, then removes
 * the `kubernetes` finalizer through `namespaces/{name}/finalize`, after which the apiserver deletes the
 * namespace. Progress is reported as the upstream Namespace* status conditions.
 */
export class NamespaceController {
  /** Replaced in tests. */
  syncHandler: (key: string) => Promise<void> = (key) => this.sync(key);
  readonly queue: RateLimitingQueue<string>;
  readonly nsInformer: SharedInformer<Namespace>;
  /** Overridden in tests. */
  discover: () => Promise<DiscoveredResource[]>;

  constructor(readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>(undefined, ctx.clock);
    this.nsInformer = ctx.informers.informerFor<Namespace>(resources.namespaces);
    this.discover = () => discoverResources(ctx.rest);
    const enqueue = (ns: Namespace): void => {
      if (ns.metadata?.deletionTimestamp) this.queue.add(ns.metadata.name ?? '');
    };
    this.nsInformer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, ns) => enqueue(ns) });
  }

  run(signal: AbortSignal): Promise<void> {
    return runController({
      log: this.ctx.log,
      informers: [this.nsInformer],
      queue: this.queue,
      sync: (key) => this.syncHandler(key),
      workers: this.ctx.options.concurrentSyncs.namespace,
      signal,
    });
  }

  /** sync drives one terminating namespace one step towards deletion. */
  async sync(name: string): Promise<void> {
    const cached = this.nsInformer.store.getByName('', name);
    if (!cached?.metadata?.deletionTimestamp) return;
    if (!(cached.spec?.finalizers ?? []).includes(kubernetesFinalizer)) return;
    const log = this.ctx.log.child({ namespace: name });
    let ns = structuredClone(cached) as Namespace;
    let discovered: DiscoveredResource[];
    try {
      discovered = await this.discover();
    } catch (err) {
      await this.setConditions(ns, { discoveryFailure: (err as Error).message });
      throw err;
    }
    const deletable = discovered.filter((r) => r.namespaced && r.verbs.includes('list') && r.verbs.includes('delete'));
    const result = await this.deleteContent(name, deletable);
    ns = await this.setConditions(ns, result);
    if (result.remaining.size > 0) {
      log.debug({ remaining: Object.fromEntries(result.remaining) }, 'Namespace content remaining');
      this.queue.addAfter(name, contentRemainingRequeueMs);
      return;
    }
    await this.finalize(ns);
    log.info('Finalized namespace');
  }

  /** deleteContent deletes every object of the namespace and reports what is still there. */
  private async deleteContent(namespace: string, deletable: DiscoveredResource[]): Promise<ContentResult> {
    const result: ContentResult = { remaining: new Map(), finalizers: new Map() };
    for (const r of deletable) {
      const client = this.ctx.client<KubeObject>(r).inNamespace(namespace);
      let items: KubeObject[];
      try {
        items = (await client.list()).items;
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      if (items.length === 0) continue;
      result.remaining.set(r.group ? `${r.resource}.${r.group}` : r.resource, items.length);
      for (const obj of items) {
        for (const f of obj.metadata?.finalizers ?? []) result.finalizers.set(f, (result.finalizers.get(f) ?? 0) + 1);
        if (obj.metadata?.deletionTimestamp) continue;
        try {
          await client.delete(obj.metadata?.name ?? '', { propagationPolicy: 'Background' });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
    return result;
  }

  /** finalize removes `kubernetes` from spec.finalizers; the apiserver deletes the emptied namespace. */
  private async finalize(ns: Namespace): Promise<void> {
    const name = ns.metadata?.name ?? '';
    const path = resourcePath(resources.namespaces, undefined, name, 'finalize');
    for (let attempt = 0; ; attempt++) {
      const body: Namespace = {
        ...ns,
        apiVersion: 'v1',
        kind: 'Namespace',
        spec: { ...ns.spec, finalizers: (ns.spec?.finalizers ?? []).filter((f) => f !== kubernetesFinalizer) },
      };
      try {
        await this.ctx.rest.request({ method: 'PUT', path, body });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 2) throw err;
        ns = await this.ctx.client<Namespace>(resources.namespaces).get(name);
      }
    }
  }

  /** setConditions writes the Namespace* conditions `kubectl describe namespace` shows while it terminates. */
  private async setConditions(ns: Namespace, r: Partial<ContentResult> & { discoveryFailure?: string }): Promise<Namespace> {
    const now = new Date(this.ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const remaining = [...(r.remaining ?? new Map<string, number>())].sort(([a], [b]) => a.localeCompare(b));
    const finalizers = [...(r.finalizers ?? new Map<string, number>())].sort(([a], [b]) => a.localeCompare(b));
    const want: [string, boolean, string, string][] = [
      ['NamespaceDeletionDiscoveryFailure', !!r.discoveryFailure, r.discoveryFailure ? 'DiscoveryFailed' : 'ResourcesDiscovered', r.discoveryFailure ?? 'All resources successfully discovered'],
      ['NamespaceDeletionGroupVersionParsingFailure', false, 'ParsedGroupVersions', 'All legacy kube types successfully parsed'],
      ['NamespaceDeletionContentFailure', false, 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'],
      [
        'NamespaceContentRemaining',
        remaining.length > 0,
        remaining.length > 0 ? 'SomeResourcesRemain' : 'ContentRemoved',
        remaining.length > 0 ? `Some resources are remaining: ${remaining.map(([k, n]) => `${k} has ${n} resource instances`).join(', ')}` : 'All content successfully removed',
      ],
      [
        'NamespaceFinalizersRemaining',
        finalizers.length > 0,
        finalizers.length > 0 ? 'SomeFinalizersRemain' : 'ContentHasNoFinalizers',
        finalizers.length > 0 ? `Some content in the namespace has finalizers remaining: ${finalizers.map(([k, n]) => `${k} in ${n} resource instances`).join(', ')}` : 'All content-preserving finalizers finished',
      ],
    ];
    const conditions: NamespaceCondition[] = want.map(([type, on, reason, message]) => {
      const prior = ns.status?.conditions?.find((c) => c.type === type);
      const status = on ? 'True' : 'False';
      const same = prior?.status === status && prior.reason === reason && prior.message === message;
      return same ? prior : { type, status, reason, message, lastTransitionTime: prior?.status === status ? prior.lastTransitionTime ?? now : now };
    });
    const changed = JSON.stringify(conditions) !== JSON.stringify(ns.status?.conditions ?? []);
    if (!changed) return ns;
    try {
      return await this.ctx.client<Namespace>(resources.namespaces).updateStatus({ ...ns, status: { ...ns.status, phase: 'Terminating', conditions } });
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return ns;
      throw err;
    }
  }
}

/** descriptor registers the controller as upstream's `namespace-controller`. */
export const namespaceControllerDescriptor: ControllerDescriptor = {
  name: 'namespace-controller',
  aliases: ['namespace'],
  create: (ctx) => new NamespaceController(ctx),
};

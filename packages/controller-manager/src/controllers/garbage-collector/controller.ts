import { RateLimitingQueue, resources, runWorkers, sleep, type GroupVersionResource, type KubeObject, type SharedInformer } from '@nanokube/client';
import {
  deletedObject,
  discoverResources,
  gvrKey,
  type ControllerContext,
  type ControllerDescriptor,
  type DiscoveredResource,
} from '../../shared/index.js';
import { attemptToDelete, attemptToOrphan } from './delete.js';
import { isDeletingDependents, nodeFromObject, orphanFinalizer, OwnershipGraph } from './graph.js';

/** Resources the collector never watches: events have no owners worth collecting and churn a lot. */
const ignored = new Set(['/v1/events', 'events.k8s.io/v1/events']);

/** How long the collector waits for every monitor's first list before it starts anyway. */
const syncTimeoutMs = 30_000;

/** How often discovery is repeated to pick up new resource types (upstream: 30 s). */
const rediscoverMs = 30_000;

/**
 * GarbageCollector deletes objects whose owners are gone and carries out the three deletion propagation
 * policies (upstream pkg/controller/garbagecollector): Background — dependents of a deleted owner are
 * deleted once the owner is gone (checked by uid, live); Foreground — an owner carrying the
 * `foregroundDeletion` finalizer waits until its blocking dependents are deleted, then the finalizer is
 * removed; Orphan — dependents lose their reference to an owner carrying the `orphan` finalizer, then the
 * finalizer is removed. The ownership graph is built from one informer per deletable resource type.
 */
export class GarbageCollector {
  readonly graph = new OwnershipGraph();
  readonly deleteQueue: RateLimitingQueue<string>;
  readonly orphanQueue: RateLimitingQueue<string>;
  /** Discovered resources by `group/kind`, to resolve owner references. */
  readonly kinds = new Map<string, GroupVersionResource>();
  private readonly monitors = new Map<string, SharedInformer<KubeObject>>();

  constructor(readonly ctx: ControllerContext) {
    this.deleteQueue = new RateLimitingQueue<string>(undefined, ctx.clock);
    this.orphanQueue = new RateLimitingQueue<string>(undefined, ctx.clock);
    for (const gvr of Object.values(resources)) this.kinds.set(`${gvr.group}/${gvr.kind}`, gvr);
  }

  async run(signal: AbortSignal): Promise<void> {
    const log = this.ctx.log;
    log.info('Starting controller');
    for (let backoff = 1000; !signal.aborted; backoff = Math.min(backoff * 2, 30_000)) {
      try {
        this.syncMonitors(await discoverResources(this.ctx.rest, signal));
        break;
      } catch (err) {
        log.warn({ err }, 'Discovery failed, retrying');
        await sleep(backoff, signal, this.ctx.clock);
      }
    }
    // A resource whose list keeps failing must not hold the collector back forever; owner absence is
    // always verified live, so starting with a partial graph is safe (upstream waits with a timeout too).
    const synced = Promise.all([...this.monitors.values()].map((m) => m.waitForSync(signal)));
    const timedOut = await Promise.race([synced.then(() => false), sleep(syncTimeoutMs, signal, this.ctx.clock).then(() => true)]);
    if (signal.aborted) return;
    if (timedOut) log.warn({ timeoutMs: syncTimeoutMs }, 'Timed out waiting for the dependency graph to sync, starting anyway');
    log.info({ monitors: this.monitors.size, objects: this.graph.size }, 'Caches are synced');
    const workers = this.ctx.options.concurrentSyncs.gc;
    const rediscover = this.rediscoverLoop(signal);
    await Promise.all([
      runWorkers({ queue: this.deleteQueue, sync: (uid) => attemptToDelete(this, uid), workers, log, signal }),
      runWorkers({ queue: this.orphanQueue, sync: (uid) => attemptToOrphan(this, uid), workers: 1, log, signal }),
      rediscover,
    ]);
    log.info('Shutting down controller');
  }

  private async rediscoverLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(rediscoverMs, signal, this.ctx.clock);
      if (signal.aborted) return;
      try {
        this.syncMonitors(await discoverResources(this.ctx.rest, signal));
      } catch (err) {
        this.ctx.log.debug({ err }, 'Discovery failed');
      }
    }
  }

  /** syncMonitors starts an informer for every deletable, watchable resource not yet monitored. */
  syncMonitors(discovered: DiscoveredResource[]): void {
    for (const r of discovered) {
      const gvr: GroupVersionResource = { group: r.group, version: r.version, resource: r.resource, kind: r.kind, namespaced: r.namespaced };
      this.kinds.set(`${r.group}/${r.kind}`, gvr);
      const key = gvrKey(r);
      if (ignored.has(key) || this.monitors.has(key)) continue;
      if (!['list', 'watch', 'delete'].every((v) => r.verbs.includes(v))) continue;
      const informer = this.ctx.informers.informerFor<KubeObject>(gvr);
      informer.addEventHandler({
        onAdd: (obj) => this.observe(gvr, obj),
        onUpdate: (_old, obj) => this.observe(gvr, obj),
        onDelete: (obj) => this.observeDelete(deletedObject(obj)),
      });
      this.monitors.set(key, informer);
    }
  }

  /** resourceFor maps an owner reference's apiVersion and kind to its resource. */
  resourceFor(apiVersion: string, kind: string): GroupVersionResource | undefined {
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    return this.kinds.get(`${group}/${kind}`);
  }

  /**
   * observe updates the graph for an added or changed object (upstream processGraphChanges; keeping the
   * graph in step with the informer is cheap, so it runs in the handler) and enqueues the uids that need a
   * decision.
   */
  observe(gvr: GroupVersionResource, obj: KubeObject): void {
    const node = nodeFromObject(gvr, obj);
    if (!node.uid) return;
    const removedOwners = this.graph.upsert(node);
    // An owner that lost a dependent may now be able to finish a foreground deletion.
    for (const o of removedOwners) if (this.isWaitingOwner(o.uid)) this.deleteQueue.add(o.uid);
    if (node.owners.some((o) => !this.graph.has(o.uid) || this.isWaitingOwner(o.uid))) this.deleteQueue.add(node.uid);
    if (node.deletionTimestamp && node.finalizers.includes(orphanFinalizer)) this.orphanQueue.add(node.uid);
    if (isDeletingDependents(node)) {
      this.deleteQueue.add(node.uid);
      for (const dep of this.graph.dependentsOf(node.uid)) this.deleteQueue.add(dep.uid);
    }
  }

  /** observeDelete removes the object and enqueues its dependents and any owner waiting for it. */
  observeDelete(obj: KubeObject): void {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    const node = this.graph.remove(uid);
    for (const dep of this.graph.dependentsOf(uid)) this.deleteQueue.add(dep.uid);
    for (const o of node?.owners ?? []) if (this.isWaitingOwner(o.uid)) this.deleteQueue.add(o.uid);
  }

  private isWaitingOwner(uid: string): boolean {
    const owner = this.graph.get(uid);
    return owner !== undefined && isDeletingDependents(owner);
  }
}

/** descriptor registers the controller as upstream's `garbage-collector-controller`. */
export const garbageCollectorControllerDescriptor: ControllerDescriptor = {
  name: 'garbage-collector-controller',
  aliases: ['garbagecollector'],
  create: (ctx) => new GarbageCollector(ctx),
};

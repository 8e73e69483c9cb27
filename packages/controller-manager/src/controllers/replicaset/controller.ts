import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector } from '@nanokube/api';
import { metaNamespaceKey, resources, splitMetaNamespaceKey, type ResourceClient, type SharedInformer } from '@nanokube/client';
import {
  claimObjects,
  ControllerExpectations,
  controllerOwnerLookup,
  expectationsObserver,
  getControllerOf,
  isPodActive,
  isPodReady,
  ownerReferencesPatch,
  QueueController,
  type ControllerContext,
  type ControllerDescriptor,
  type ExpectationsObserver,
  type Syncable,
} from '../../shared/index.js';
import { manageReplicas } from './replicas.js';
import { calculateStatus, updateReplicaSetStatus } from './status.js';

/** The owner kind written into pods' controller references. */
export const replicaSetKind = { apiVersion: 'apps/v1', kind: 'ReplicaSet' };

/** Upper bound of creates or deletes issued in one sync (upstream BurstReplicas). */
export const burstReplicas = 500;

/**
 * ReplicaSetController keeps `spec.replicas` pods running for every ReplicaSet: it adopts matching orphan
 * pods, releases pods that stopped matching, creates missing pods in slow-start batches and deletes the
 * surplus (least valuable first), guarded by expectations so a slow watch never causes over-creation.
 */
export class ReplicaSetController extends QueueController {
  readonly expectations: ControllerExpectations;
  readonly rsInformer: SharedInformer<ReplicaSet>;
  readonly podInformer: SharedInformer<Pod>;
  readonly rsClient: ResourceClient<ReplicaSet>;
  readonly podClient: ResourceClient<Pod>;
  /** resolveOwner returns the ReplicaSet controlling pod, if it exists in the cache. */
  private readonly resolveOwner: (pod: Pod) => ReplicaSet | undefined;
  private readonly observe: ExpectationsObserver<ReplicaSet>;

  constructor(ctx: ControllerContext) {
    super(ctx, 'replicaset');
    this.expectations = new ControllerExpectations(ctx.clock);
    this.rsInformer = ctx.informers.informerFor<ReplicaSet>(resources.replicasets);
    this.podInformer = ctx.informers.informerFor<Pod>(resources.pods);
    this.rsClient = ctx.client<ReplicaSet>(resources.replicasets);
    this.podClient = ctx.client<Pod>(resources.pods);
    this.resolveOwner = controllerOwnerLookup('ReplicaSet', this.rsInformer);
    this.observe = expectationsObserver(this.expectations, this.queue, this.resolveOwner);
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.enqueue(rs),
      onUpdate: (_old, rs) => this.enqueue(rs),
      onDelete: this.observe.ownerDeleted,
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.addPod(pod),
      onUpdate: (oldPod, pod) => this.updatePod(oldPod, pod),
      onDelete: this.observe.deleted,
    });
  }

  protected informersToSync(): Syncable[] {
    return [this.rsInformer, this.podInformer];
  }

  /** sync reconciles one ReplicaSet by key; it re-reads everything from the caches. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cached = this.rsInformer.store.getByName(namespace, name);
    if (!cached) {
      this.expectations.deleteExpectations(key);
      return;
    }
    const log = this.ctx.log.child({ replicaSet: key });
    const rsNeedsSync = this.expectations.satisfiedExpectations(key);
    let selector;
    try {
      selector = selectorFromLabelSelector(cached.spec?.selector);
    } catch (err) {
      // A bad selector is permanent until the user edits the object: report it, do not requeue.
      this.ctx.recorder.event(eventTarget(cached), 'Warning', 'InvalidSelector', String((err as Error).message));
      return;
    }
    const active = this.podInformer.store.listNamespace(namespace).filter(isPodActive);
    const pods = await claimObjects<Pod>(active, {
      owner: cached,
      ownerKind: replicaSetKind,
      selector,
      patchOwnerReferences: (pod, refs) =>
        this.podClient.inNamespace(namespace).patch(pod.metadata?.name ?? '', 'merge', ownerReferencesPatch(pod, refs)),
      canAdopt: async () => {
        const fresh = await this.rsClient.inNamespace(namespace).get(name);
        if (fresh.metadata?.uid !== cached.metadata?.uid || fresh.metadata?.deletionTimestamp) {
          throw new Error(`original ReplicaSet ${key} is gone or being deleted`);
        }
      },
    });
    let manageErr: unknown;
    if (rsNeedsSync && !cached.metadata?.deletionTimestamp) {
      try {
        await manageReplicas(this, pods, cached, key);
      } catch (err) {
        manageErr = err;
      }
    } else {
      log.debug({ pending: this.expectations.pending(key) }, 'Waiting for expectations');
    }
    const rs = structuredClone(cached) as ReplicaSet;
    const status = calculateStatus(rs, pods, manageErr, this.ctx.clock.now());
    const updated = await updateReplicaSetStatus(this.rsClient.inNamespace(namespace), rs, status);
    // Pods become available minReadySeconds after turning ready; look again then.
    const minReady = updated.spec?.minReadySeconds ?? 0;
    const st = updated.status;
    if (manageErr === undefined && minReady > 0 && st?.readyReplicas === updated.spec?.replicas && st?.availableReplicas !== updated.spec?.replicas) {
      this.queue.addAfter(key, minReady * 1000);
    }
    if (manageErr !== undefined) throw manageErr;
  }

  /** replicaSetsMatching lists the ReplicaSets whose selector matches an orphan pod. */
  private replicaSetsMatching(pod: Pod): ReplicaSet[] {
    return this.rsInformer.store.listNamespace(pod.metadata?.namespace ?? '').filter((rs) => {
      try {
        const sel = selectorFromLabelSelector(rs.spec?.selector);
        return !sel.isEverything() && sel.matches(pod.metadata?.labels);
      } catch {
        return false;
      }
    });
  }

  private addPod(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      // On restart a pod may already be pending deletion: do not count it as a creation.
      this.observe.deleted(pod);
      return;
    }
    if (getControllerOf(pod)) {
      this.observe.created(pod);
      return;
    }
    for (const rs of this.replicaSetsMatching(pod)) this.enqueue(rs);
  }

  private updatePod(oldPod: Pod, pod: Pod): void {
    if (oldPod.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    const labelsChanged = JSON.stringify(oldPod.metadata?.labels ?? {}) !== JSON.stringify(pod.metadata?.labels ?? {});
    if (pod.metadata?.deletionTimestamp) {
      // A graceful delete shows up as an update first: count it now so the replacement starts at once.
      this.observe.deleted(pod);
      if (labelsChanged) this.observe.deleted(oldPod);
      return;
    }
    const oldRef = getControllerOf(oldPod);
    const ref = getControllerOf(pod);
    const refChanged = JSON.stringify(oldRef) !== JSON.stringify(ref);
    if (refChanged && oldRef) {
      const old = this.resolveOwner(oldPod);
      if (old) this.enqueue(old);
    }
    if (ref) {
      const rs = this.resolveOwner(pod);
      if (!rs) return;
      this.enqueue(rs);
      const minReady = rs.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(oldPod) && isPodReady(pod)) this.queue.addAfter(metaNamespaceKey(rs), minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const rs of this.replicaSetsMatching(pod)) this.enqueue(rs);
  }
}

/** eventTarget is the involvedObject of events about a ReplicaSet. */
export function eventTarget(rs: ReplicaSet): ReplicaSet {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: rs.metadata ?? {} };
}

/** descriptor registers the controller as upstream's `replicaset-controller`. */
export const replicaSetControllerDescriptor: ControllerDescriptor = {
  name: 'replicaset-controller',
  aliases: ['replicaset'],
  create: (ctx) => new ReplicaSetController(ctx),
};

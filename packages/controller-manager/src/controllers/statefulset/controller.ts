import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { isConflict, selectorFromLabelSelector, type Selector } from '@nanokube/api';
import { metaNamespaceKey, resources, splitMetaNamespaceKey, type ResourceClient, type SharedInformer } from '@nanokube/client';
import {
  claimObjects,
  controllerOwnerLookup,
  deletedObject,
  enqueueObject,
  getControllerOf,
  isPodReady,
  ownerReferencesPatch,
  QueueController,
  type ControllerContext,
  type ControllerDescriptor,
  type Syncable,
} from '../../shared/index.js';
import { truncateHistory } from '../daemonset/revisions.js';
import { StatefulSetControl } from './control.js';
import { isMemberOf, podRevision, replicaCount, statefulSetKind } from './identity.js';
import { eventTarget, StatefulPodControl } from './pod-control.js';
import { ensureUpdateRevision } from './revision.js';

/**
 * StatefulSetController gives each StatefulSet pods with stable names `<set>-0..N-1`, stable storage
 * (one PVC per volumeClaimTemplate and ordinal, created before the pod and kept on scale-down unless
 * persistentVolumeClaimRetentionPolicy says otherwise) and ordered or parallel scaling and rolling
 * updates (upstream statefulset controller). Templates are versioned as ControllerRevisions; pods carry
 * their revision's name in `controller-revision-hash`.
 */
export class StatefulSetController extends QueueController {
  readonly setInformer: SharedInformer<StatefulSet>;
  readonly podInformer: SharedInformer<Pod>;
  readonly claimInformer: SharedInformer<PersistentVolumeClaim>;
  readonly revisionInformer: SharedInformer<ControllerRevision>;
  readonly setClient: ResourceClient<StatefulSet>;
  readonly podClient: ResourceClient<Pod>;
  readonly revisionClient: ResourceClient<ControllerRevision>;
  private readonly control: StatefulSetControl;
  private readonly ownerOf: (pod: Pod) => StatefulSet | undefined;

  constructor(ctx: ControllerContext) {
    super(ctx, 'statefulset');
    this.setInformer = ctx.informers.informerFor<StatefulSet>(resources.statefulsets);
    this.podInformer = ctx.informers.informerFor<Pod>(resources.pods);
    this.claimInformer = ctx.informers.informerFor<PersistentVolumeClaim>(resources.persistentvolumeclaims);
    this.revisionInformer = ctx.informers.informerFor<ControllerRevision>(resources.controllerrevisions);
    this.setClient = ctx.client<StatefulSet>(resources.statefulsets);
    this.podClient = ctx.client<Pod>(resources.pods);
    this.revisionClient = ctx.client<ControllerRevision>(resources.controllerrevisions);
    this.ownerOf = controllerOwnerLookup('StatefulSet', this.setInformer);
    const podControl = new StatefulPodControl({
      podClient: this.podClient,
      claimClient: ctx.client<PersistentVolumeClaim>(resources.persistentvolumeclaims),
      getClaim: (ns, name) => this.claimInformer.store.getByName(ns, name),
      recorder: ctx.recorder,
    });
    this.control = new StatefulSetControl({ podControl, recorder: ctx.recorder, log: ctx.log, now: () => ctx.clock.now() });
    this.setInformer.addEventHandler(enqueueObject(this.queue));
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.podChanged(undefined, pod),
      onUpdate: (old, pod) => this.podChanged(old, pod),
      onDelete: (o) => this.enqueueOwner(deletedObject(o)),
    });
    // A claim held back by a scaled-down pod's ownerReference blocks its ordinal until it is gone.
    this.claimInformer.addEventHandler({ onDelete: (o) => this.claimDeleted(deletedObject(o)) });
  }

  protected informersToSync(): Syncable[] {
    return [this.setInformer, this.podInformer, this.claimInformer, this.revisionInformer];
  }

  /** sync reconciles one StatefulSet by key from the caches. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cached = this.setInformer.store.getByName(namespace, name);
    if (!cached) return;
    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(cached.spec?.selector);
    } catch (err) {
      this.ctx.recorder.event(eventTarget(cached), 'Warning', 'InvalidSelector', (err as Error).message);
      return;
    }
    // Copy first: the cached object is shared with the informer.
    const set = structuredClone(cached) as StatefulSet;
    const canAdopt = (): Promise<void> => this.recheckDeletionTimestamp(set);
    const revisions = await claimObjects<ControllerRevision>(this.revisionInformer.store.listNamespace(namespace), {
      owner: set,
      ownerKind: statefulSetKind,
      selector,
      canAdopt,
      patchOwnerReferences: (r, refs) => this.revisionClient.inNamespace(namespace).patch(r.metadata?.name ?? '', 'merge', ownerReferencesPatch(r, refs)),
    });
    const members = this.podInformer.store.listNamespace(namespace).filter((p) => isMemberOf(set, p));
    const pods = await claimObjects<Pod>(members, {
      owner: set,
      ownerKind: statefulSetKind,
      selector,
      canAdopt,
      patchOwnerReferences: (p, refs) => this.podClient.inNamespace(namespace).patch(p.metadata?.name ?? '', 'merge', ownerReferencesPatch(p, refs)),
    });
    await this.syncStatefulSet(key, set, pods, revisions);
  }

  private async syncStatefulSet(key: string, set: StatefulSet, pods: Pod[], revisions: ControllerRevision[]): Promise<void> {
    revisions.sort((a, b) => a.revision - b.revision);
    const { revision: updateRevision, collisionCount } = await ensureUpdateRevision({
      rest: this.ctx.rest,
      client: this.revisionClient,
      set,
      history: revisions,
    });
    const currentRevision = revisions.find((r) => r.metadata?.name === set.status?.currentRevision) ?? updateRevision;
    const { status, error } = await this.control.updateStatefulSet({ set, pods, currentRevision, updateRevision, collisionCount });
    const errors: unknown[] = error !== undefined ? [error] : [];
    completeRollingUpdate(set, status);
    try {
      await this.updateStatus(set, status);
    } catch (err) {
      errors.push(err);
    }
    try {
      const live = new Set([currentRevision, updateRevision].map((r) => r.metadata?.name ?? '').concat(pods.map(podRevision)));
      // truncateHistory keeps `limit` revisions besides one in-use revision it is given: pass the
      // non-live history plus the update revision so exactly the oldest non-live ones beyond the limit go.
      await truncateHistory({
        client: this.revisionClient,
        history: [...revisions.filter((r) => !live.has(r.metadata?.name ?? '')), updateRevision],
        limit: set.spec?.revisionHistoryLimit ?? 10,
        inUse: live,
      });
    } catch (err) {
      errors.push(err);
    }
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status.availableReplicas !== replicaCount(set)) this.queue.addAfter(key, minReady * 1000);
    if (errors.length > 0) throw errors[0];
  }

  /** updateStatus writes the status when it changed, retrying on conflict against a fresh read. */
  private async updateStatus(set: StatefulSet, computed: StatefulSetStatus): Promise<void> {
    const status = wireStatus({ ...computed, ...(set.status?.conditions ? { conditions: set.status.conditions } : {}) });
    if (!statusChanged(set.status, status)) return;
    const client = this.setClient.inNamespace(set.metadata?.namespace ?? '');
    let target = set;
    for (let attempt = 0; ; attempt++) {
      try {
        await client.updateStatus({ ...target, status });
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 2) throw err;
        target = await client.get(set.metadata?.name ?? '');
        if (target.metadata?.uid !== set.metadata?.uid) return;
      }
    }
  }

  /** recheckDeletionTimestamp refuses adoption when a fresh read shows the set deleted or replaced. */
  private async recheckDeletionTimestamp(set: StatefulSet): Promise<void> {
    const fresh = await this.setClient.inNamespace(set.metadata?.namespace ?? '').get(set.metadata?.name ?? '');
    if (fresh.metadata?.uid !== set.metadata?.uid) throw new Error(`original StatefulSet ${metaNamespaceKey(set)} is gone: got uid ${fresh.metadata?.uid}, wanted ${set.metadata?.uid}`);
    if (fresh.metadata?.deletionTimestamp) throw new Error(`StatefulSet ${metaNamespaceKey(set)} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }

  private podChanged(old: Pod | undefined, pod: Pod): void {
    if (old && old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    if (pod.metadata?.deletionTimestamp) {
      this.enqueueOwner(pod);
      return;
    }
    const ref = getControllerOf(pod);
    const oldRef = old ? getControllerOf(old) : undefined;
    if (oldRef && oldRef.uid !== ref?.uid) this.enqueueOwner(old as Pod);
    if (ref) {
      const set = this.ownerOf(pod);
      if (!set) return;
      this.enqueue(set);
      const minReady = set.spec?.minReadySeconds ?? 0;
      // Available only minReadySeconds after turning ready: look again then.
      if (old && minReady > 0 && !isPodReady(old) && isPodReady(pod)) this.queue.addAfter(metaNamespaceKey(set), minReady * 1000 + 1000);
      return;
    }
    // An orphan: wake the sets that might adopt it.
    if (!old || JSON.stringify(old.metadata?.labels) !== JSON.stringify(pod.metadata?.labels) || oldRef) {
      for (const set of this.setInformer.store.listNamespace(pod.metadata?.namespace ?? '')) {
        if (isMemberOf(set, pod) && selectorMatches(set, pod)) this.enqueue(set);
      }
    }
  }

  private enqueueOwner(pod: Pod): void {
    const set = this.ownerOf(pod);
    if (set) this.enqueue(set);
  }

  private claimDeleted(claim: PersistentVolumeClaim): void {
    const name = claim.metadata?.name ?? '';
    for (const set of this.setInformer.store.listNamespace(claim.metadata?.namespace ?? '')) {
      const prefixes = (set.spec?.volumeClaimTemplates ?? []).map((t) => `${t.metadata?.name ?? ''}-${set.metadata?.name ?? ''}-`);
      if (prefixes.some((p) => name.startsWith(p))) this.enqueue(set);
    }
  }
}

function selectorMatches(set: StatefulSet, pod: Pod): boolean {
  try {
    return selectorFromLabelSelector(set.spec?.selector).matches(pod.metadata?.labels);
  } catch {
    return false;
  }
}

/**
 * completeRollingUpdate ends a RollingUpdate once every pod is updated and ready: the update revision
 * becomes the current one.
 */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): void {
  if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
  if ((status.updatedReplicas ?? 0) === status.replicas && (status.readyReplicas ?? 0) === status.replicas) {
    status.currentReplicas = status.updatedReplicas ?? 0;
    status.currentRevision = status.updateRevision ?? '';
  }
}

/** wireStatus drops the zero counters upstream omits from JSON (`omitempty`); replicas and availableReplicas stay. */
function wireStatus(status: StatefulSetStatus): StatefulSetStatus {
  const out: Record<string, unknown> = { ...status };
  for (const k of ['observedGeneration', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'currentRevision', 'updateRevision']) {
    if (out[k] === 0 || out[k] === '') delete out[k];
  }
  return out as unknown as StatefulSetStatus;
}

function statusChanged(old: StatefulSetStatus | undefined, next: StatefulSetStatus): boolean {
  const fields = ['observedGeneration', 'replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'currentRevision', 'updateRevision', 'collisionCount'] as const;
  // An omitted counter or revision is the same as 0 or ''.
  const norm = (v: unknown): unknown => (v === 0 || v === '' ? undefined : v);
  return fields.some((f) => norm(old?.[f]) !== norm(next[f]));
}

/** statefulSetControllerDescriptor registers the statefulset controller (upstream `statefulset-controller`). */
export const statefulSetControllerDescriptor: ControllerDescriptor = {
  name: 'statefulset-controller',
  aliases: ['statefulset'],
  create: (ctx) => new StatefulSetController(ctx),
};

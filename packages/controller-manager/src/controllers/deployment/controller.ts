import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector, type Selector } from '@nanokube/api';
import {
  metaNamespaceKey,
  resources,
  splitMetaNamespaceKey,
  type DeletedFinalStateUnknown,
  type ResourceClient,
  type SharedInformer,
} from '@nanokube/client';
import {
  claimObjects,
  controllerOwnerLookup,
  deletedObject,
  enqueueObject,
  getControllerOf,
  ownerReferencesPatch,
  QueueController,
  type ControllerContext,
  type ControllerDescriptor,
  type Syncable,
} from '../../shared/index.js';
import { rolloutRecreate } from './recreate.js';
import { rolloutRolling } from './rolling.js';
import { isScalingEvent, syncScaleOnly } from './scale.js';
import { syncDeploymentStatus } from './status.js';
import { checkPausedConditions, eventTarget, getAllReplicaSetsAndSyncRevision, updateDeploymentStatus, type SyncState } from './sync.js';

const deploymentKind = { apiVersion: 'apps/v1', kind: 'Deployment' };

/**
 * DeploymentController rolls Deployments out through ReplicaSets: one ReplicaSet per pod template
 * (named `<deployment>-<pod-template-hash>`), RollingUpdate or Recreate, revision annotations for
 * `kubectl rollout history/undo`, history cleanup, pause, and the Available/Progressing conditions
 * `kubectl rollout status` waits on.
 */
export class DeploymentController extends QueueController {
  readonly dInformer: SharedInformer<Deployment>;
  readonly rsInformer: SharedInformer<ReplicaSet>;
  readonly podInformer: SharedInformer<Pod>;
  readonly dClient: ResourceClient<Deployment>;
  readonly rsClient: ResourceClient<ReplicaSet>;
  private readonly ownerOf: (rs: ReplicaSet) => Deployment | undefined;
  private readonly replicaSetOf: (pod: Pod) => ReplicaSet | undefined;

  constructor(ctx: ControllerContext) {
    super(ctx, 'deployment');
    this.dInformer = ctx.informers.informerFor<Deployment>(resources.deployments);
    this.rsInformer = ctx.informers.informerFor<ReplicaSet>(resources.replicasets);
    this.podInformer = ctx.informers.informerFor<Pod>(resources.pods);
    this.dClient = ctx.client<Deployment>(resources.deployments);
    this.rsClient = ctx.client<ReplicaSet>(resources.replicasets);
    this.ownerOf = controllerOwnerLookup('Deployment', this.dInformer);
    this.replicaSetOf = controllerOwnerLookup('ReplicaSet', this.rsInformer);
    this.dInformer.addEventHandler(enqueueObject(this.queue));
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.addReplicaSet(rs),
      onUpdate: (oldRS, rs) => this.updateReplicaSet(oldRS, rs),
      onDelete: (obj) => this.deleteReplicaSet(obj),
    });
    this.podInformer.addEventHandler({ onDelete: (obj) => this.deletePod(obj) });
  }

  protected informersToSync(): Syncable[] {
    return [this.dInformer, this.rsInformer, this.podInformer];
  }

  keyOf(d: Deployment): string {
    return metaNamespaceKey(d);
  }

  /** sync reconciles one Deployment: claim ReplicaSets, then scale, pause, or roll out. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cached = this.dInformer.store.getByName(namespace, name);
    if (!cached) return;
    // Copy first: the cached object is shared with the informer.
    const d = structuredClone(cached) as Deployment;
    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(d.spec?.selector);
    } catch (err) {
      this.ctx.recorder.event(eventTarget(d), 'Warning', 'InvalidSelector', (err as Error).message);
      return;
    }
    const s: SyncState = { c: this, d, rsList: [], podsByRs: new Map() };
    if (selector.isEverything()) {
      this.ctx.recorder.event(eventTarget(d), 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        d.status = { ...d.status, observedGeneration: d.metadata?.generation ?? 0 };
        await updateDeploymentStatus(s);
      }
      return;
    }
    s.rsList = await this.claimReplicaSets(d, selector);
    s.podsByRs = this.podsByReplicaSet(namespace, s.rsList);
    if (d.metadata?.deletionTimestamp) {
      const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(s, false);
      return syncDeploymentStatus(s, newRS ? [...oldRSs, newRS] : oldRSs, newRS);
    }
    await checkPausedConditions(s);
    if (s.d.spec?.paused) return syncScaleOnly(s);
    if (isScalingEvent(s.d, s.rsList)) return syncScaleOnly(s);
    if (s.d.spec?.strategy?.type === 'Recreate') return rolloutRecreate(s);
    return rolloutRolling(s);
  }

  private claimReplicaSets(d: Deployment, selector: Selector): Promise<ReplicaSet[]> {
    const namespace = d.metadata?.namespace ?? '';
    const rss = this.rsClient.inNamespace(namespace);
    return claimObjects<ReplicaSet>(this.rsInformer.store.listNamespace(namespace), {
      owner: d,
      ownerKind: deploymentKind,
      selector,
      patchOwnerReferences: (rs, refs) => rss.patch(rs.metadata?.name ?? '', 'merge', ownerReferencesPatch(rs, refs)),
      canAdopt: async () => {
        const fresh = await this.dClient.inNamespace(namespace).get(d.metadata?.name ?? '');
        if (fresh.metadata?.uid !== d.metadata?.uid || fresh.metadata?.deletionTimestamp) {
          throw new Error(`original Deployment ${namespace}/${d.metadata?.name} is gone or being deleted`);
        }
      },
    });
  }

  private podsByReplicaSet(namespace: string, rsList: ReplicaSet[]): Map<string, Pod[]> {
    const uids = new Set(rsList.map((rs) => rs.metadata?.uid));
    const out = new Map<string, Pod[]>();
    for (const pod of this.podInformer.store.listNamespace(namespace)) {
      const ref = getControllerOf(pod);
      if (!ref || !uids.has(ref.uid)) continue;
      const list = out.get(ref.uid) ?? [];
      list.push(pod);
      out.set(ref.uid, list);
    }
    return out;
  }

  /** deploymentsMatching lists the deployments whose selector matches an orphan ReplicaSet. */
  private deploymentsMatching(rs: ReplicaSet): Deployment[] {
    return this.dInformer.store.listNamespace(rs.metadata?.namespace ?? '').filter((d) => {
      try {
        const sel = selectorFromLabelSelector(d.spec?.selector);
        return !sel.isEverything() && sel.matches(rs.metadata?.labels);
      } catch {
        return false;
      }
    });
  }

  private addReplicaSet(rs: ReplicaSet): void {
    if (rs.metadata?.deletionTimestamp) return this.deleteReplicaSet(rs);
    if (getControllerOf(rs)) {
      const d = this.ownerOf(rs);
      if (d) this.enqueue(d);
      return;
    }
    for (const d of this.deploymentsMatching(rs)) this.enqueue(d);
  }

  private updateReplicaSet(oldRS: ReplicaSet, rs: ReplicaSet): void {
    if (oldRS.metadata?.resourceVersion === rs.metadata?.resourceVersion) return;
    const oldRef = getControllerOf(oldRS);
    const ref = getControllerOf(rs);
    const refChanged = JSON.stringify(oldRef) !== JSON.stringify(ref);
    if (refChanged && oldRef) {
      const old = this.ownerOf(oldRS);
      if (old) this.enqueue(old);
    }
    if (ref) {
      const d = this.ownerOf(rs);
      if (d) this.enqueue(d);
      return;
    }
    const labelsChanged = JSON.stringify(oldRS.metadata?.labels ?? {}) !== JSON.stringify(rs.metadata?.labels ?? {});
    if (labelsChanged || refChanged) for (const d of this.deploymentsMatching(rs)) this.enqueue(d);
  }

  private deleteReplicaSet(obj: ReplicaSet | DeletedFinalStateUnknown<ReplicaSet>): void {
    const d = this.ownerOf(deletedObject(obj));
    if (d) this.enqueue(d);
  }

  /** deletePod matters to Recreate only: the new ReplicaSet starts once the last old pod is gone. */
  private deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const rs = this.replicaSetOf(deletedObject(obj));
    const d = rs ? this.ownerOf(rs) : undefined;
    if (d && d.spec?.strategy?.type === 'Recreate') this.enqueue(d);
  }
}

/** descriptor registers the controller as upstream's `deployment-controller`. */
export const deploymentControllerDescriptor: ControllerDescriptor = {
  name: 'deployment-controller',
  aliases: ['deployment'],
  create: (ctx) => new DeploymentController(ctx),
};

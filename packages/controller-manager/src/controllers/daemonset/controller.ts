import type { ControllerRevision, DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isNotFound, selectorFromLabelSelector } from '@nanokube/api';
import { metaNamespaceKey, resources, splitMetaNamespaceKey, type ResourceClient, type SharedInformer } from '@nanokube/client';
import {
  claimObjects,
  ControllerExpectations,
  controllerOwnerLookup,
  deletedObject,
  expectationsObserver,
  isControlledBy,
  isPodAvailable,
  isPodReady,
  ownerReferencesPatch,
  podFromTemplate,
  newControllerRef,
  QueueController,
  slowStartBatch,
  type ControllerContext,
  type ControllerDescriptor,
  type Syncable,
} from '../../shared/index.js';
import { shouldRunOnNode, targetNode, withNodeAffinity } from './placement.js';
import { ensureRevision, revisionHashLabel, truncateHistory } from './revisions.js';

/** The owner kind written into pods' and revisions' controller references. */
export const daemonSetKind = { apiVersion: 'apps/v1', kind: 'DaemonSet' };

/** What one sync decided: pods to create (by node) and pods to delete. */
interface Plan {
  create: string[];
  remove: Pod[];
}

/**
 * DaemonSetController runs one pod of a DaemonSet on every node it should run on (upstream daemon
 * controller): nodeSelector, required node affinity and taints decide, with the tolerations upstream adds
 * to every daemon pod. Pods are pinned with a `metadata.name In [node]` node affinity and bound by the
 * scheduler. Templates are versioned as ControllerRevisions; RollingUpdate replaces outdated pods at most
 * maxUnavailable at a time, OnDelete waits for the user.
 */
export class DaemonSetController extends QueueController {
  readonly expectations: ControllerExpectations;
  readonly dsInformer: SharedInformer<DaemonSet>;
  readonly podInformer: SharedInformer<Pod>;
  readonly nodeInformer: SharedInformer<Node>;
  readonly revisionInformer: SharedInformer<ControllerRevision>;
  readonly dsClient: ResourceClient<DaemonSet>;
  readonly podClient: ResourceClient<Pod>;
  readonly revisionClient: ResourceClient<ControllerRevision>;

  constructor(ctx: ControllerContext) {
    super(ctx, 'daemonset');
    this.expectations = new ControllerExpectations(ctx.clock);
    this.dsInformer = ctx.informers.informerFor<DaemonSet>(resources.daemonsets);
    this.podInformer = ctx.informers.informerFor<Pod>(resources.pods);
    this.nodeInformer = ctx.informers.informerFor<Node>(resources.nodes);
    this.revisionInformer = ctx.informers.informerFor<ControllerRevision>(resources.controllerrevisions);
    this.dsClient = ctx.client<DaemonSet>(resources.daemonsets);
    this.podClient = ctx.client<Pod>(resources.pods);
    this.revisionClient = ctx.client<ControllerRevision>(resources.controllerrevisions);
    this.dsInformer.addEventHandler({
      onAdd: (ds) => this.enqueue(ds),
      onUpdate: (_o, ds) => this.enqueue(ds),
      onDelete: (o) => this.expectations.deleteExpectations(metaNamespaceKey(deletedObject(o))),
    });
    const enqueueAll = (): void => this.dsInformer.store.list().forEach((ds) => this.enqueue(ds));
    this.nodeInformer.addEventHandler({
      onAdd: enqueueAll,
      onUpdate: (o, n) => {
        if (JSON.stringify([o.metadata?.labels, o.spec?.taints]) !== JSON.stringify([n.metadata?.labels, n.spec?.taints])) enqueueAll();
      },
      onDelete: enqueueAll,
    });
    const observe = expectationsObserver(this.expectations, this.queue, controllerOwnerLookup('DaemonSet', this.dsInformer));
    this.podInformer.addEventHandler({
      onAdd: (pod) => (pod.metadata?.deletionTimestamp ? observe.deleted(pod) : observe.created(pod)),
      onUpdate: (_o, pod) => (pod.metadata?.deletionTimestamp ? observe.deleted(pod) : observe.changed(pod)),
      onDelete: observe.deleted,
    });
  }

  protected informersToSync(): Syncable[] {
    return [this.dsInformer, this.podInformer, this.nodeInformer, this.revisionInformer];
  }

  /** sync reconciles one DaemonSet by key from the caches. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cached = this.dsInformer.store.getByName(namespace, name);
    if (!cached) {
      this.expectations.deleteExpectations(key);
      return;
    }
    let selector;
    try {
      selector = selectorFromLabelSelector(cached.spec?.selector);
    } catch (err) {
      this.ctx.recorder.event(eventTarget(cached), 'Warning', 'InvalidSelector', (err as Error).message);
      return;
    }
    const pods = await claimObjects<Pod>(this.podInformer.store.listNamespace(namespace), {
      owner: cached,
      ownerKind: daemonSetKind,
      selector,
      patchOwnerReferences: (pod, refs) => this.podClient.inNamespace(namespace).patch(pod.metadata?.name ?? '', 'merge', ownerReferencesPatch(pod, refs)),
    });
    if (cached.metadata?.deletionTimestamp) return;
    // Copy first: the cached object is shared with the informer.
    const ds = structuredClone(cached) as DaemonSet;
    const history = this.revisionInformer.store.listNamespace(namespace).filter((r) => isControlledBy(r, ds));
    const { revision, hash } = await ensureRevision({
      client: this.revisionClient,
      owner: ds,
      ownerKind: daemonSetKind,
      template: ds.spec?.template,
      history,
      ...(ds.status?.collisionCount !== undefined ? { collisionCount: ds.status.collisionCount } : {}),
    });
    const nodes = this.nodeInformer.store.list();
    const byNode = groupByNode(pods);
    let manageErr: unknown;
    if (this.expectations.satisfiedExpectations(key)) {
      try {
        await this.manage(ds, key, hash, this.plan(ds, nodes, byNode, hash));
      } catch (err) {
        manageErr = err;
      }
    }
    await truncateHistory({
      client: this.revisionClient,
      history: [...history.filter((r) => r.metadata?.name !== revision.metadata?.name), revision],
      limit: ds.spec?.revisionHistoryLimit ?? 10,
      inUse: new Set([revision.metadata?.name ?? '', ...pods.map((p) => `${name}-${p.metadata?.labels?.[revisionHashLabel] ?? ''}`)]),
    });
    await this.updateStatus(ds, nodes, byNode, hash);
    if (manageErr !== undefined) throw manageErr;
  }

  /** plan compares nodes with pods: missing pods to create, surplus, misplaced, failed and outdated ones to delete. */
  private plan(ds: DaemonSet, nodes: Node[], byNode: Map<string, Pod[]>, hash: string): Plan {
    const plan: Plan = { create: [], remove: [] };
    const now = this.ctx.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const wanted = new Set<string>();
    let unavailable = 0;
    const outdatedAvailable: Pod[] = [];
    for (const node of nodes) {
      const nodeName = node.metadata?.name ?? '';
      const daemonPods = byNode.get(nodeName) ?? [];
      if (!shouldRunOnNode(ds, node)) continue;
      wanted.add(nodeName);
      // A pod still terminating holds the node (ports, volumes): wait for it before anything else.
      if (daemonPods.some((p) => p.metadata?.deletionTimestamp)) {
        unavailable++;
        continue;
      }
      const failed = daemonPods.filter((p) => p.status?.phase === 'Failed');
      for (const p of failed) {
        this.ctx.recorder.event(eventTarget(ds), 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${p.metadata?.namespace}/${p.metadata?.name} on node ${nodeName}, will try to kill it`);
      }
      plan.remove.push(...failed);
      const running = daemonPods.filter((p) => p.status?.phase !== 'Failed');
      if (running.length === 0) {
        plan.create.push(nodeName);
        unavailable++;
        continue;
      }
      // Keep the oldest pod; any extra one on the node goes.
      running.sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? ''));
      plan.remove.push(...running.slice(1));
      const pod = running[0] as Pod;
      const available = isPodAvailable(pod, minReady, now);
      if (!available) unavailable++;
      if (pod.metadata?.labels?.[revisionHashLabel] !== hash && ds.spec?.updateStrategy?.type !== 'OnDelete') {
        if (available) outdatedAvailable.push(pod);
        else plan.remove.push(pod);
      }
    }
    for (const [nodeName, daemonPods] of byNode) {
      if (!wanted.has(nodeName)) plan.remove.push(...daemonPods.filter((p) => !p.metadata?.deletionTimestamp));
    }
    const budget = maxUnavailable(ds, wanted.size) - unavailable;
    plan.remove.push(...outdatedAvailable.slice(0, Math.max(0, budget)));
    return plan;
  }

  private async manage(ds: DaemonSet, key: string, hash: string, plan: Plan): Promise<void> {
    const client = this.podClient.inNamespace(ds.metadata?.namespace ?? '');
    this.expectations.expectCreations(key, plan.create.length);
    let attempted = 0;
    const created = await slowStartBatch(plan.create.length, 1, async (i) => {
      attempted++;
      const nodeName = plan.create[i] as string;
      try {
        const pod = await client.create(this.newPod(ds, nodeName, hash));
        this.ctx.recorder.event(eventTarget(ds), 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name ?? ''}`);
      } catch (err) {
        this.expectations.creationObserved(key);
        this.ctx.recorder.event(eventTarget(ds), 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
        throw err;
      }
    });
    this.expectations.lowerExpectations(key, plan.create.length - attempted, 0);
    const errors: unknown[] = created.error !== undefined ? [created.error] : [];
    for (const pod of plan.remove) {
      try {
        await client.delete(pod.metadata?.name ?? '');
        this.ctx.recorder.event(eventTarget(ds), 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name ?? ''}`);
      } catch (err) {
        if (!isNotFound(err)) errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
  }

  /** newPod builds the daemon pod for one node (upstream's template + node affinity + tolerations). */
  newPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
    const template = ds.spec?.template;
    const pod = podFromTemplate({
      template: {
        ...template,
        metadata: {
          ...template?.metadata,
          labels: { ...template?.metadata?.labels, [revisionHashLabel]: hash, 'pod-template-generation': String(ds.metadata?.generation ?? 1) },
        },
      },
      namespace: ds.metadata?.namespace ?? '',
      generateName: `${ds.metadata?.name ?? ''}-`,
      controllerRef: newControllerRef(ds, daemonSetKind),
    });
    return { ...pod, spec: withNodeAffinity(pod.spec ?? { containers: [] }, nodeName) };
  }

  private async updateStatus(ds: DaemonSet, nodes: Node[], byNode: Map<string, Pod[]>, hash: string): Promise<void> {
    const now = this.ctx.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const st = { desired: 0, current: 0, misscheduled: 0, ready: 0, available: 0, updated: 0 };
    for (const node of nodes) {
      const pods = (byNode.get(node.metadata?.name ?? '') ?? []).filter((p) => !p.metadata?.deletionTimestamp);
      const should = shouldRunOnNode(ds, node);
      if (should) st.desired++;
      if (pods.length === 0) continue;
      if (!should) {
        st.misscheduled++;
        continue;
      }
      st.current++;
      const pod = pods[0] as Pod;
      if (isPodReady(pod)) st.ready++;
      if (isPodAvailable(pod, minReady, now)) st.available++;
      if (pod.metadata?.labels?.[revisionHashLabel] === hash) st.updated++;
    }
    const status: DaemonSetStatus = {
      ...ds.status,
      currentNumberScheduled: st.current,
      desiredNumberScheduled: st.desired,
      numberMisscheduled: st.misscheduled,
      numberReady: st.ready,
      numberAvailable: st.available,
      numberUnavailable: st.desired - st.available,
      updatedNumberScheduled: st.updated,
      observedGeneration: ds.metadata?.generation ?? 0,
    };
    if (status.numberAvailable === 0) delete (status as { numberAvailable?: number }).numberAvailable;
    if (status.numberUnavailable === 0) delete (status as { numberUnavailable?: number }).numberUnavailable;
    if (JSON.stringify(status) === JSON.stringify(ds.status ?? {})) return;
    await this.dsClient.inNamespace(ds.metadata?.namespace ?? '').updateStatus({ ...ds, status });
    if (minReady > 0 && st.ready > st.available) this.queue.addAfter(metaNamespaceKey(ds), minReady * 1000);
  }
}

function groupByNode(pods: Pod[]): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const p of pods) {
    const n = targetNode(p);
    if (n === undefined) continue;
    out.set(n, [...(out.get(n) ?? []), p]);
  }
  return out;
}

/** maxUnavailable resolves the rolling update's maxUnavailable (a count or a percentage, at least 1). */
export function maxUnavailable(ds: DaemonSet, desired: number): number {
  const v = ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1;
  const n = typeof v === 'number' ? v : v.endsWith('%') ? Math.floor((desired * Number(v.slice(0, -1))) / 100) : Number(v);
  return Math.max(1, Number.isNaN(n) ? 1 : n);
}

/** eventTarget is the involvedObject of events about a DaemonSet. */
export function eventTarget(ds: DaemonSet): DaemonSet {
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: ds.metadata ?? {} } as DaemonSet;
}

/** descriptor registers the daemonset controller (upstream `daemonset-controller`). */
export const daemonSetControllerDescriptor: ControllerDescriptor = {
  name: 'daemonset-controller',
  aliases: ['daemonset'],
  create: (ctx) => new DaemonSetController(ctx),
};

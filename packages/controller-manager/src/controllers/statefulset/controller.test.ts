import { describe, expect, it } from 'vitest';
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '@nanokube/client';
import { newTestContext, settle } from '../../__tests__/fixture.js';
import { revisionName } from '../daemonset/revisions.js';
import { StatefulSetController } from './controller.js';

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', volumeMounts: [{ name: 'www', mountPath: '/data' }] }] } };
const oldTemplate = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:old' }] } };
const setUid = 'sts-uid';
const rev = revisionName('web', template, 0).name;

function sts(spec: Partial<StatefulSet['spec']> = {}, status?: StatefulSet['status']): StatefulSet {
  return {
    metadata: { name: 'web', namespace: 'default', uid: setUid, generation: 2, resourceVersion: '1', annotations: { 'kubernetes.io/change-cause': 'v2' } },
    spec: {
      replicas: 3,
      serviceName: 'nginx',
      selector: { matchLabels: { app: 'web' } },
      template,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...spec,
    } as StatefulSet['spec'],
    ...(status ? { status } : {}),
  };
}

const ownerRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: setUid, controller: true };

function pod(ordinal: number, opts: { revision?: string; ready?: boolean; phase?: string; deleting?: boolean } = {}): Pod {
  const ready = opts.ready ?? true;
  return {
    metadata: {
      name: `web-${ordinal}`,
      namespace: 'default',
      uid: `pod-uid-${ordinal}`,
      labels: { app: 'web', 'controller-revision-hash': opts.revision ?? rev, 'statefulset.kubernetes.io/pod-name': `web-${ordinal}`, 'apps.kubernetes.io/pod-index': String(ordinal) },
      ownerReferences: [ownerRef],
      ...(opts.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    spec: { containers: [], volumes: [{ name: 'www', persistentVolumeClaim: { claimName: `www-web-${ordinal}` } }] },
    status: { phase: opts.phase ?? 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

function claim(ordinal: number, ownerReferences?: PersistentVolumeClaim['metadata'] extends infer M ? (M extends { ownerReferences?: infer R } ? R : never) : never): PersistentVolumeClaim {
  return { metadata: { name: `www-web-${ordinal}`, namespace: 'default', labels: { app: 'web' }, ...(ownerReferences ? { ownerReferences } : {}) }, spec: {} };
}

function revision(name: string, t: object, number: number): ControllerRevision {
  return {
    metadata: { name, namespace: 'default', labels: { app: 'web' }, ownerReferences: [ownerRef] },
    data: { spec: { template: { ...t, $patch: 'replace' } } },
    revision: number,
  };
}

function setup(set: StatefulSet, objs: { pods?: Pod[]; claims?: PersistentVolumeClaim[]; revisions?: ControllerRevision[] } = {}): ReturnType<typeof newTestContext> & { c: StatefulSetController } {
  const t = newTestContext();
  const c = new StatefulSetController(t.ctx);
  c.setInformer.store.set(t.rest.seed(resources.statefulsets, set));
  for (const p of objs.pods ?? []) c.podInformer.store.set(t.rest.seed(resources.pods, p));
  for (const p of objs.claims ?? []) c.claimInformer.store.set(t.rest.seed(resources.persistentvolumeclaims, p));
  for (const r of objs.revisions ?? []) c.revisionInformer.store.set(t.rest.seed(resources.controllerrevisions, r));
  return { ...t, c };
}

type T = ReturnType<typeof setup>;
const writes = (t: T, verb: string, resource: string): { name?: string; body?: unknown }[] => t.rest.writes().filter((w) => w.verb === verb && w.resource === resource);
const created = (t: T, resource: string): string[] => writes(t, 'create', resource).map((w) => (w.body as Pod).metadata?.name ?? '');
const deleted = (t: T, resource: string): string[] => writes(t, 'delete', resource).map((w) => w.name ?? '');
const lastStatus = (t: T): StatefulSet['status'] => (t.rest.writes().filter((w) => w.subresource === 'status').at(-1)?.body as StatefulSet | undefined)?.status;

describe('StatefulSetController', () => {
  it('creates the claim and then pod 0 only, with its stable identity, under OrderedReady', async () => {
    const t = setup(sts());
    await t.c.sync('default/web');
    expect(t.rest.writes().filter((w) => w.verb === 'create').map((w) => `${w.resource}/${(w.body as Pod).metadata?.name}`)).toEqual([
      `controllerrevisions/${rev}`,
      'persistentvolumeclaims/www-web-0',
      'pods/web-0',
    ]);
    const p = writes(t, 'create', 'pods')[0]!.body as Pod;
    expect(p.metadata?.labels).toEqual({ app: 'web', 'controller-revision-hash': rev, 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0' });
    expect(p.metadata?.ownerReferences).toEqual([{ ...ownerRef, blockOwnerDeletion: true }]);
    expect(p.spec).toMatchObject({ hostname: 'web-0', subdomain: 'nginx', volumes: [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }] });
    const pvc = writes(t, 'create', 'persistentvolumeclaims')[0]!.body as PersistentVolumeClaim;
    expect(pvc.metadata).toMatchObject({ name: 'www-web-0', namespace: 'default', labels: { app: 'web' } });
    expect(pvc.metadata?.ownerReferences).toBeUndefined();
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    const r = writes(t, 'create', 'controllerrevisions')[0]!.body as ControllerRevision;
    expect(r).toMatchObject({ revision: 1, metadata: { labels: { app: 'web', 'controller-revision-hash': rev.slice('web-'.length) }, annotations: { 'kubernetes.io/change-cause': 'v2' } } });
    expect(lastStatus(t)).toEqual({ observedGeneration: 2, replicas: 0, availableReplicas: 0, currentRevision: rev, updateRevision: rev, collisionCount: 0 });
    await settle();
    const events = t.rest.actions.filter((a) => a.resource === 'events').map((a) => (a.body as { message: string }).message);
    expect(events).toContain('create Claim www-web-0 Pod web-0 in StatefulSet web success');
    expect(events).toContain('create Pod web-0 in StatefulSet web successful');
  });

  it('waits for pod 0 to be Running and Ready before creating pod 1', async () => {
    const waiting = setup(sts(), { pods: [pod(0, { ready: false })], claims: [claim(0)] });
    await waiting.c.sync('default/web');
    expect(created(waiting, 'pods')).toEqual([]);
    const ready = setup(sts(), { pods: [pod(0)], claims: [claim(0)] });
    await ready.c.sync('default/web');
    expect(created(ready, 'pods')).toEqual(['web-1']);
    expect(lastStatus(ready)).toMatchObject({ replicas: 1, readyReplicas: 1, availableReplicas: 1, currentReplicas: 1, updatedReplicas: 1 });
  });

  it('creates every pod at once with Parallel', async () => {
    const t = setup(sts({ podManagementPolicy: 'Parallel' }));
    await t.c.sync('default/web');
    expect(created(t, 'pods').sort()).toEqual(['web-0', 'web-1', 'web-2']);
    expect(created(t, 'persistentvolumeclaims').sort()).toEqual(['www-web-0', 'www-web-1', 'www-web-2']);
  });

  it('removes the highest ordinal first on scale-down and keeps its claim', async () => {
    const t = setup(sts({ replicas: 1 }), { pods: [pod(0), pod(1), pod(2)], claims: [claim(0), claim(1), claim(2)] });
    await t.c.sync('default/web');
    expect(deleted(t, 'pods')).toEqual(['web-2']);
    expect(writes(t, 'patch', 'persistentvolumeclaims')).toEqual([]);
    expect(deleted(t, 'persistentvolumeclaims')).toEqual([]);
    expect(lastStatus(t)).toMatchObject({ replicas: 3, readyReplicas: 3 });
  });

  it('removes every condemned pod at once with Parallel', async () => {
    const t = setup(sts({ replicas: 1, podManagementPolicy: 'Parallel' }), { pods: [pod(0), pod(1, { ready: false }), pod(2)], claims: [claim(0), claim(1), claim(2)] });
    await t.c.sync('default/web');
    expect(deleted(t, 'pods').sort()).toEqual(['web-1', 'web-2']);
  });

  it('waits for a terminating condemned pod before removing the next', async () => {
    const t = setup(sts({ replicas: 1 }), { pods: [pod(0), pod(1), pod(2, { deleting: true })], claims: [claim(0), claim(1), claim(2)] });
    await t.c.sync('default/web');
    expect(deleted(t, 'pods')).toEqual([]);
  });

  it('hands a condemned pod its claim when whenScaled is Delete, then deletes the pod', async () => {
    const policy = { whenScaled: 'Delete', whenDeleted: 'Retain' };
    const t = setup(sts({ replicas: 2, persistentVolumeClaimRetentionPolicy: policy }), { pods: [pod(0), pod(1), pod(2)], claims: [claim(0), claim(1), claim(2)] });
    await t.c.sync('default/web');
    const patches = writes(t, 'patch', 'persistentvolumeclaims');
    expect(patches.map((w) => w.name)).toEqual(['www-web-2']);
    expect((patches[0]!.body as PersistentVolumeClaim).metadata?.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Pod', name: 'web-2', uid: 'pod-uid-2', controller: true, blockOwnerDeletion: true },
    ]);
    expect(deleted(t, 'pods')).toEqual(['web-2']);
  });

  it('does not recreate a pod whose claim still belongs to its scaled-down predecessor', async () => {
    const stale = [{ apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: 'old-pod', controller: true }];
    const policy = { whenScaled: 'Delete', whenDeleted: 'Retain' };
    const t = setup(sts({ replicas: 2, persistentVolumeClaimRetentionPolicy: policy }), { pods: [pod(0)], claims: [claim(0), claim(1, stale)] });
    await t.c.sync('default/web');
    expect(created(t, 'pods')).toEqual([]);
  });

  it('gives new claims to the set when whenDeleted is Delete', async () => {
    const t = setup(sts({ persistentVolumeClaimRetentionPolicy: { whenScaled: 'Retain', whenDeleted: 'Delete' } }));
    await t.c.sync('default/web');
    const pvc = writes(t, 'create', 'persistentvolumeclaims')[0]!.body as PersistentVolumeClaim;
    expect(pvc.metadata?.ownerReferences).toEqual([{ ...ownerRef, blockOwnerDeletion: true }]);
  });

  it('rolls the highest outdated ordinal first and creates it from the update revision next', async () => {
    const old = revision('web-old', oldTemplate, 1);
    const status = { replicas: 3, currentRevision: 'web-old', updateRevision: 'web-old' };
    const pods = [pod(0, { revision: 'web-old' }), pod(1, { revision: 'web-old' }), pod(2, { revision: 'web-old' })];
    const t = setup(sts({}, status), { pods, claims: [claim(0), claim(1), claim(2)], revisions: [old] });
    await t.c.sync('default/web');
    expect(deleted(t, 'pods')).toEqual(['web-2']);
    expect(lastStatus(t)).toMatchObject({ currentRevision: 'web-old', updateRevision: rev, currentReplicas: 2 });
    // Zero counters are omitted, as upstream's omitempty does.
    expect(lastStatus(t)).not.toHaveProperty('updatedReplicas');
    expect((writes(t, 'create', 'controllerrevisions')[0]!.body as ControllerRevision).revision).toBe(2);

    // Pod 2 is gone: it comes back from the update revision while 0 and 1 keep the current one.
    const next = setup(sts({}, status), { pods: pods.slice(0, 2), claims: [claim(0), claim(1), claim(2)], revisions: [old, revision(rev, template, 2)] });
    await next.c.sync('default/web');
    const recreated = writes(next, 'create', 'pods')[0]!.body as Pod;
    expect(recreated.metadata?.labels?.['controller-revision-hash']).toBe(rev);
    expect(recreated.spec?.containers[0]?.image).toBe('nginx');
  });

  it('waits for an updated pod to become healthy before rolling the next', async () => {
    const status = { replicas: 3, currentRevision: 'web-old', updateRevision: rev };
    const pods = [pod(0, { revision: 'web-old' }), pod(1, { revision: 'web-old' }), pod(2, { ready: false })];
    const t = setup(sts({ podManagementPolicy: 'Parallel' }, status), { pods, claims: [claim(0), claim(1), claim(2)], revisions: [revision('web-old', oldTemplate, 1), revision(rev, template, 2)] });
    await t.c.sync('default/web');
    expect(deleted(t, 'pods')).toEqual([]);
  });

  it('stops at the partition and keeps lower ordinals at the current revision', async () => {
    const status = { replicas: 3, currentRevision: 'web-old', updateRevision: rev };
    const pods = [pod(0, { revision: 'web-old' }), pod(1, { revision: 'web-old' }), pod(2)];
    const revisions = [revision('web-old', oldTemplate, 1), revision(rev, template, 2)];
    const t = setup(sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, status), { pods, claims: [claim(0), claim(1), claim(2)], revisions });
    await t.c.sync('default/web');
    expect(deleted(t, 'pods')).toEqual([]);
    expect(lastStatus(t)).toMatchObject({ currentRevision: 'web-old', currentReplicas: 2, updatedReplicas: 1 });
  });

  it('leaves outdated pods alone with OnDelete', async () => {
    const status = { replicas: 3, currentRevision: 'web-old', updateRevision: 'web-old' };
    const pods = [pod(0, { revision: 'web-old' }), pod(1, { revision: 'web-old' }), pod(2, { revision: 'web-old' })];
    const t = setup(sts({ updateStrategy: { type: 'OnDelete' } }, status), { pods, claims: [claim(0), claim(1), claim(2)], revisions: [revision('web-old', oldTemplate, 1)] });
    await t.c.sync('default/web');
    expect(deleted(t, 'pods')).toEqual([]);
  });

  it('completes the rolling update once every pod is updated and ready', async () => {
    const status = { replicas: 3, currentRevision: 'web-old', updateRevision: rev };
    const revisions = [revision('web-old', oldTemplate, 1), revision(rev, template, 2)];
    const t = setup(sts({}, status), { pods: [pod(0), pod(1), pod(2)], claims: [claim(0), claim(1), claim(2)], revisions });
    await t.c.sync('default/web');
    expect(lastStatus(t)).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: rev, updateRevision: rev });
  });

  it('deletes a failed pod so that it is recreated', async () => {
    const t = setup(sts({ replicas: 1 }), { pods: [pod(0, { phase: 'Failed', ready: false })], claims: [claim(0)] });
    await t.c.sync('default/web');
    expect(deleted(t, 'pods')).toEqual(['web-0']);
    expect(created(t, 'pods')).toEqual([]);
  });

  it('adopts an orphan pod with its name and labels and ignores pods of other sets', async () => {
    const orphan = pod(0);
    orphan.metadata!.ownerReferences = [];
    const stranger = { ...pod(0), metadata: { ...pod(0).metadata, name: 'webby-0', ownerReferences: [] } };
    const t = setup(sts({ replicas: 1 }), { pods: [orphan, stranger], claims: [claim(0)] });
    await t.c.sync('default/web');
    expect(writes(t, 'patch', 'pods').map((w) => w.name)).toEqual(['web-0']);
    expect(created(t, 'pods')).toEqual([]);
  });

  it('prunes revisions beyond revisionHistoryLimit that no pod uses', async () => {
    const revisions = [revision('web-a', { a: 1 }, 1), revision('web-b', { b: 1 }, 2), revision('web-c', { c: 1 }, 3), revision(rev, template, 4)];
    const t = setup(sts({ replicas: 1, revisionHistoryLimit: 1 }, { replicas: 1, currentRevision: rev, updateRevision: rev }), {
      pods: [pod(0, { revision: 'web-a' })],
      claims: [claim(0)],
      revisions,
    });
    await t.c.sync('default/web');
    expect(deleted(t, 'controllerrevisions')).toEqual(['web-b']);
  });

  it('does nothing but report status while the set is being deleted', async () => {
    const live = sts();
    const set = { ...live, metadata: { ...live.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } };
    const t = setup(set, { pods: [pod(0)], claims: [claim(0)] });
    await t.c.sync('default/web');
    expect(created(t, 'pods')).toEqual([]);
    expect(lastStatus(t)).toMatchObject({ replicas: 1 });
  });
});

import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { resources, type GroupVersionResource, type KubeObject } from '@nanokube/client';
import { newTestContext } from '../../__tests__/fixture.js';
import { GarbageCollector } from './controller.js';
import { attemptToDelete, attemptToOrphan } from './delete.js';

function setup() {
  const f = newTestContext();
  const gc = new GarbageCollector(f.ctx);
  const add = <T extends KubeObject>(gvr: GroupVersionResource, obj: T): T => {
    const stored = f.rest.seed(gvr, obj);
    gc.observe(gvr, stored);
    return stored;
  };
  return { ...f, gc, add };
}

const rsRef = (rs: ReplicaSet, block = true) => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name: rs.metadata!.name!,
  uid: rs.metadata!.uid!,
  controller: true,
  blockOwnerDeletion: block,
});

function pod(name: string, owners: ReturnType<typeof rsRef>[]): Pod {
  return { metadata: { name, namespace: 'default', ownerReferences: owners }, spec: { containers: [] } };
}

describe('GarbageCollector', () => {
  it('deletes a dependent whose owner is gone (Background)', async () => {
    const { gc, rest, add } = setup();
    const rs = add(resources.replicasets, { metadata: { name: 'web', namespace: 'default' } } as ReplicaSet);
    const p = add(resources.pods, pod('web-1', [rsRef(rs)]));
    rest.objects.delete('replicasets/default/web');
    gc.observeDelete(rs);
    await attemptToDelete(gc, p.metadata!.uid!);
    expect(rest.writes()).toEqual([
      expect.objectContaining({ verb: 'delete', resource: 'pods', name: 'web-1', body: { propagationPolicy: 'Background', preconditions: { uid: p.metadata!.uid } } }),
    ]);
  });

  it('keeps a dependent while its owner exists, and drops only the dangling reference', async () => {
    const { gc, rest, add } = setup();
    const live = add(resources.replicasets, { metadata: { name: 'live', namespace: 'default' } } as ReplicaSet);
    const p = add(resources.pods, pod('p', [rsRef(live), { ...rsRef(live), name: 'gone', uid: 'gone-uid', controller: false } as never]));
    await attemptToDelete(gc, p.metadata!.uid!);
    expect(rest.get<Pod>('pods', 'default', 'p')!.metadata?.ownerReferences?.map((r) => r.uid)).toEqual([live.metadata!.uid]);
  });

  it('deletes a dependent whose owner was replaced by a namesake (other uid)', async () => {
    const { gc, rest, add } = setup();
    const rs = add(resources.replicasets, { metadata: { name: 'web', namespace: 'default' } } as ReplicaSet);
    const p = add(resources.pods, pod('web-1', [rsRef(rs)]));
    // Same name, new uid: the original owner is gone.
    rest.objects.delete('replicasets/default/web');
    gc.observeDelete(rs);
    add(resources.replicasets, { metadata: { name: 'web', namespace: 'default' } } as ReplicaSet);
    await attemptToDelete(gc, p.metadata!.uid!);
    expect(rest.writes().map((a) => a.verb)).toEqual(['delete']);
  });

  it('Foreground: deletes blocking dependents, then removes the finalizer once they are gone', async () => {
    const { gc, rest, add } = setup();
    const rs = add(resources.replicasets, {
      metadata: { name: 'web', namespace: 'default', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] },
    } as ReplicaSet);
    const p = add(resources.pods, pod('web-1', [rsRef(rs)]));
    // 1. The owner waits: the dependent is deleted.
    await attemptToDelete(gc, rs.metadata!.uid!);
    expect(rest.writes()).toEqual([]);
    await attemptToDelete(gc, p.metadata!.uid!);
    expect(rest.writes()).toEqual([expect.objectContaining({ verb: 'delete', name: 'web-1' })]);
    // 2. The dependent is gone: the finalizer goes.
    gc.observeDelete(p);
    await attemptToDelete(gc, rs.metadata!.uid!);
    expect(rest.get<ReplicaSet>('replicasets', 'default', 'web')!.metadata?.finalizers).toBeUndefined();
  });

  it('Foreground: a dependent that is itself terminating still blocks the owner', async () => {
    const { gc, rest, add } = setup();
    const rs = add(resources.replicasets, {
      metadata: { name: 'web', namespace: 'default', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] },
    } as ReplicaSet);
    const p = pod('web-1', [rsRef(rs)]);
    p.metadata!.deletionTimestamp = '2024-01-01T00:00:00Z';
    add(resources.pods, p);
    await attemptToDelete(gc, rs.metadata!.uid!);
    expect(rest.get<ReplicaSet>('replicasets', 'default', 'web')!.metadata?.finalizers).toEqual(['foregroundDeletion']);
  });

  it('Orphan: removes the owner reference from dependents, then the orphan finalizer', async () => {
    const { gc, rest, add } = setup();
    const rs = add(resources.replicasets, {
      metadata: { name: 'web', namespace: 'default', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['orphan'] },
    } as ReplicaSet);
    add(resources.pods, pod('web-1', [rsRef(rs)]));
    await attemptToOrphan(gc, rs.metadata!.uid!);
    expect(rest.get<Pod>('pods', 'default', 'web-1')!.metadata?.ownerReferences).toBeUndefined();
    expect(rest.get<ReplicaSet>('replicasets', 'default', 'web')!.metadata?.finalizers).toBeUndefined();
    expect(rest.writes().some((a) => a.verb === 'delete')).toBe(false);
  });

  it('makes no API call for a dependent whose owners are all cached', async () => {
    const { gc, rest, add } = setup();
    const rs = add(resources.replicasets, { metadata: { name: 'web', namespace: 'default' } } as ReplicaSet);
    const p = add(resources.pods, pod('web-1', [rsRef(rs)]));
    const before = rest.actions.length;
    await attemptToDelete(gc, p.metadata!.uid!);
    expect(rest.actions.length).toBe(before);
  });
});

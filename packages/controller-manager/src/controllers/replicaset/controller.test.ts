import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { resources } from '@nanokube/client';
import { newTestContext, settle } from '../../__tests__/fixture.js';
import { ReplicaSetController } from './controller.js';

function newRS(replicas: number, extra: Partial<ReplicaSet['spec']> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'default', uid: 'rs-uid', generation: 1, resourceVersion: '10' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
      ...extra,
    },
  };
}

function newPod(name: string, opts: { owner?: ReplicaSet; ready?: boolean; node?: string; labels?: Record<string, string> } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      resourceVersion: '5',
      labels: opts.labels ?? { app: 'web' },
      creationTimestamp: '2024-01-01T00:00:00Z',
      ...(opts.owner
        ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: opts.owner.metadata!.uid!, controller: true }] }
        : {}),
    },
    spec: { containers: [{ name: 'nginx', image: 'nginx' }], ...(opts.node ? { nodeName: opts.node } : {}) },
    status: {
      phase: opts.node ? 'Running' : 'Pending',
      ...(opts.ready ? { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }] } : {}),
    },
  };
}

function setup(rs: ReplicaSet, pods: Pod[] = []) {
  const f = newTestContext();
  const c = new ReplicaSetController(f.ctx);
  f.rest.seed(resources.replicasets, rs);
  c.rsInformer.store.set(rs);
  for (const p of pods) {
    f.rest.seed(resources.pods, p);
    c.podInformer.store.set(p);
  }
  return { ...f, c };
}

describe('ReplicaSetController', () => {
  it('creates missing pods with generateName and a controller reference', async () => {
    const rs = newRS(3);
    const { c, rest } = setup(rs);
    await c.syncHandler('default/web');
    const creates = rest.writes().filter((a) => a.verb === 'create' && a.resource === 'pods');
    expect(creates).toHaveLength(3);
    const pod = creates[0]!.body as Pod;
    expect(pod.metadata?.generateName).toBe('web-');
    expect(pod.metadata?.labels).toEqual({ app: 'web' });
    expect(pod.metadata?.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true },
    ]);
    const status = rest.writes().find((a) => a.subresource === 'status')!.body as ReplicaSet;
    expect(status.status?.observedGeneration).toBe(1);
  });

  it('does not create again while its creations are not observed (slow watch)', async () => {
    const { c, rest } = setup(newRS(2));
    await c.syncHandler('default/web');
    await c.syncHandler('default/web');
    expect(rest.writes().filter((a) => a.verb === 'create' && a.resource === 'pods')).toHaveLength(2);
    expect(c.expectations.satisfiedExpectations('default/web')).toBe(false);
  });

  it('deletes unscheduled and unready pods first when scaling down', async () => {
    const rs = newRS(1);
    const pods = [newPod('a', { owner: rs, ready: true, node: 'n1' }), newPod('b', { owner: rs }), newPod('c', { owner: rs, node: 'n1' })];
    const { c, rest } = setup(rs, pods);
    await c.syncHandler('default/web');
    const deleted = rest.writes().filter((a) => a.verb === 'delete').map((a) => a.name);
    expect(deleted.sort()).toEqual(['b', 'c']);
  });

  it('adopts a matching orphan instead of creating a pod', async () => {
    const rs = newRS(1);
    const { c, rest } = setup(rs, [newPod('orphan')]);
    await c.syncHandler('default/web');
    const writes = rest.writes().filter((a) => a.resource === 'pods');
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ verb: 'patch', name: 'orphan' });
    expect(rest.get<Pod>('pods', 'default', 'orphan')!.metadata?.ownerReferences?.[0]?.uid).toBe('rs-uid');
  });

  it('releases an owned pod whose labels no longer match and replaces it', async () => {
    const rs = newRS(1);
    const { c, rest } = setup(rs, [newPod('moved', { owner: rs, labels: { app: 'other' } })]);
    await c.syncHandler('default/web');
    expect(rest.get<Pod>('pods', 'default', 'moved')!.metadata?.ownerReferences).toBeUndefined();
    expect(rest.writes().filter((a) => a.verb === 'create' && a.resource === 'pods')).toHaveLength(1);
  });

  it('never touches pods controlled by another owner', async () => {
    const rs = newRS(0);
    const foreign = newPod('foreign');
    foreign.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: 'other', controller: true }];
    const { c, rest } = setup(rs, [foreign]);
    await c.syncHandler('default/web');
    expect(rest.writes().filter((a) => a.resource === 'pods')).toEqual([]);
  });

  it('reports ready and available replicas in status', async () => {
    const rs = newRS(2);
    const { c, rest } = setup(rs, [newPod('a', { owner: rs, ready: true, node: 'n' }), newPod('b', { owner: rs, node: 'n' })]);
    await c.syncHandler('default/web');
    const status = (rest.writes().find((a) => a.subresource === 'status')!.body as ReplicaSet).status;
    expect(status).toMatchObject({ replicas: 2, readyReplicas: 1, availableReplicas: 1, fullyLabeledReplicas: 2 });
  });

  it('counts failed creates as observed and records FailedCreate', async () => {
    const { c, rest } = setup(newRS(4));
    rest.reactors.push((a) => {
      if (a.verb === 'create' && a.resource === 'pods') throw new Error('quota exceeded');
      return undefined;
    });
    await expect(c.syncHandler('default/web')).rejects.toThrow('quota exceeded');
    // Slow start: one doomed request, not four.
    expect(rest.actions.filter((a) => a.verb === 'create' && a.resource === 'pods')).toHaveLength(1);
    expect(c.expectations.satisfiedExpectations('default/web')).toBe(true);
    await settle();
    expect(rest.actions.some((a) => a.resource === 'events' && (a.body as { reason: string }).reason === 'FailedCreate')).toBe(true);
  });
});

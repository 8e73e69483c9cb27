import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { describe, expect, it } from 'vitest';
import { resources } from '@nanokube/client';
import { mirror, newTestContext, type FakeRest } from '../../__tests__/fixture.js';
import { DeploymentController } from './controller.js';

function newDeployment(image: string, extra: Partial<Deployment['spec']> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'd-uid', generation: 1, annotations: {} },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      ...extra,
    },
  };
}

function setup(d: Deployment) {
  const f = newTestContext();
  const c = new DeploymentController(f.ctx);
  f.rest.seed(resources.deployments, d);
  const refresh = (): void => {
    mirror(f.rest, c.dInformer.store, 'deployments');
    mirror(f.rest, c.rsInformer.store, 'replicasets');
  };
  refresh();
  return { ...f, c, refresh };
}

function replicaSets(rest: FakeRest): ReplicaSet[] {
  return [...rest.objects.entries()].filter(([k]) => k.startsWith('replicasets/')).map(([, o]) => o as ReplicaSet);
}

/** Pretends the ReplicaSet controller and kubelets made every ReplicaSet's pods ready and available. */
function makeAvailable(rest: FakeRest): void {
  for (const rs of replicaSets(rest)) {
    const n = rs.spec?.replicas ?? 0;
    rs.status = { replicas: n, readyReplicas: n, availableReplicas: n, observedGeneration: rs.metadata?.generation ?? 0 };
  }
}

function updateDeployment(rest: FakeRest, fn: (d: Deployment) => void): void {
  const d = rest.get<Deployment>('deployments', 'default', 'web')!;
  fn(d);
  d.metadata!.generation = (d.metadata!.generation ?? 1) + 1;
}

describe('DeploymentController', () => {
  it('creates one ReplicaSet named after the template hash, with revision and change-cause', async () => {
    const d = newDeployment('nginx:1.14');
    d.metadata!.annotations = { 'kubernetes.io/change-cause': 'kubectl create deployment web --image=nginx:1.14' };
    const { c, rest } = setup(d);
    await c.syncHandler('default/web');
    const [rs] = replicaSets(rest);
    expect(replicaSets(rest)).toHaveLength(1);
    const hash = rs!.metadata?.labels?.['pod-template-hash'];
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs!.metadata?.name).toBe(`web-${hash}`);
    expect(rs!.spec?.selector?.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs!.spec?.template?.metadata?.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs!.spec?.replicas).toBe(4);
    expect(rs!.metadata?.annotations).toMatchObject({
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '4',
      'deployment.kubernetes.io/max-replicas': '5',
      'kubernetes.io/change-cause': 'kubectl create deployment web --image=nginx:1.14',
    });
    expect(rs!.metadata?.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true, blockOwnerDeletion: true },
    ]);
    const stored = rest.get<Deployment>('deployments', 'default', 'web')!;
    expect(stored.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(stored.status?.observedGeneration).toBe(1);
    expect(stored.status?.conditions?.find((x) => x.type === 'Progressing')?.reason).toBe('NewReplicaSetCreated');
  });

  it('computes the same hash for the same template', async () => {
    const a = setup(newDeployment('nginx:1.14'));
    const b = setup(newDeployment('nginx:1.14'));
    await a.c.syncHandler('default/web');
    await b.c.syncHandler('default/web');
    expect(replicaSets(a.rest)[0]!.metadata?.name).toBe(replicaSets(b.rest)[0]!.metadata?.name);
  });

  it('rolls out within maxSurge and maxUnavailable, never all pods at once, then completes', async () => {
    const { c, rest, refresh } = setup(newDeployment('nginx:1.14'));
    await c.syncHandler('default/web');
    makeAvailable(rest);
    refresh();
    await c.syncHandler('default/web');
    updateDeployment(rest, (d) => (d.spec!.template!.spec!.containers[0]!.image = 'nginx:1.16'));
    refresh();
    for (let step = 0; step < 12; step++) {
      await c.syncHandler('default/web');
      const rss = replicaSets(rest);
      const total = rss.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
      const available = rss.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
      expect(total).toBeLessThanOrEqual(5); // replicas + maxSurge (25% of 4, rounded up)
      expect(available).toBeGreaterThanOrEqual(3); // replicas - maxUnavailable
      makeAvailable(rest);
      refresh();
    }
    await c.syncHandler('default/web');
    const rss = replicaSets(rest);
    expect(rss).toHaveLength(2);
    const newRS = rss.find((rs) => rs.spec?.template?.spec?.containers[0]?.image === 'nginx:1.16')!;
    const oldRS = rss.find((rs) => rs !== newRS)!;
    expect(newRS.spec?.replicas).toBe(4);
    expect(oldRS.spec?.replicas).toBe(0);
    expect(newRS.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    const d = rest.get<Deployment>('deployments', 'default', 'web')!;
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(d.status).toMatchObject({ replicas: 4, updatedReplicas: 4, availableReplicas: 4, observedGeneration: 2 });
    const progressing = d.status?.conditions?.find((x) => x.type === 'Progressing');
    expect(progressing).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
    expect(d.status?.conditions?.find((x) => x.type === 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
  });

  it('re-uses the old ReplicaSet on undo and gives it the next revision', async () => {
    const { c, rest, refresh } = setup(newDeployment('nginx:1.14'));
    const settleAll = async (): Promise<void> => {
      for (let i = 0; i < 10; i++) {
        await c.syncHandler('default/web');
        makeAvailable(rest);
        refresh();
      }
    };
    await settleAll();
    updateDeployment(rest, (d) => (d.spec!.template!.spec!.containers[0]!.image = 'nginx:1.16'));
    refresh();
    await settleAll();
    updateDeployment(rest, (d) => (d.spec!.template!.spec!.containers[0]!.image = 'nginx:1.14'));
    refresh();
    await settleAll();
    const rss = replicaSets(rest);
    expect(rss).toHaveLength(2);
    const first = rss.find((rs) => rs.spec?.template?.spec?.containers[0]?.image === 'nginx:1.14')!;
    expect(first.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(first.metadata?.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(first.spec?.replicas).toBe(4);
  });

  it('Recreate scales old ReplicaSets to zero before creating the new one', async () => {
    const { c, rest, refresh } = setup(newDeployment('nginx:1.14', { strategy: { type: 'Recreate' } }));
    await c.syncHandler('default/web');
    makeAvailable(rest);
    refresh();
    updateDeployment(rest, (d) => (d.spec!.template!.spec!.containers[0]!.image = 'nginx:1.16'));
    refresh();
    await c.syncHandler('default/web');
    expect(replicaSets(rest)).toHaveLength(1);
    expect(replicaSets(rest)[0]!.spec?.replicas).toBe(0);
    // The old pods are still reported: no new ReplicaSet yet.
    refresh();
    await c.syncHandler('default/web');
    expect(replicaSets(rest)).toHaveLength(1);
    makeAvailable(rest);
    refresh();
    await c.syncHandler('default/web');
    expect(replicaSets(rest)).toHaveLength(2);
    expect(replicaSets(rest).find((rs) => rs.spec?.replicas === 4)?.spec?.template?.spec?.containers[0]?.image).toBe('nginx:1.16');
  });

  it('scales the active ReplicaSet when only spec.replicas changes', async () => {
    const { c, rest, refresh } = setup(newDeployment('nginx:1.14'));
    await c.syncHandler('default/web');
    makeAvailable(rest);
    refresh();
    updateDeployment(rest, (d) => (d.spec!.replicas = 6));
    refresh();
    await c.syncHandler('default/web');
    expect(replicaSets(rest)).toHaveLength(1);
    expect(replicaSets(rest)[0]!.spec?.replicas).toBe(6);
    expect(replicaSets(rest)[0]!.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas']).toBe('6');
  });

  it('keeps at most revisionHistoryLimit old ReplicaSets', async () => {
    const { c, rest, refresh } = setup(newDeployment('v0', { revisionHistoryLimit: 1 }));
    for (let v = 1; v <= 3; v++) {
      for (let i = 0; i < 10; i++) {
        await c.syncHandler('default/web');
        makeAvailable(rest);
        refresh();
      }
      updateDeployment(rest, (d) => (d.spec!.template!.spec!.containers[0]!.image = `v${v}`));
      refresh();
    }
    for (let i = 0; i < 10; i++) {
      await c.syncHandler('default/web');
      makeAvailable(rest);
      refresh();
    }
    const images = replicaSets(rest).map((rs) => rs.spec?.template?.spec?.containers[0]?.image).sort();
    expect(images).toEqual(['v2', 'v3']);
  });

  it('marks a paused deployment with DeploymentPaused and does not roll out', async () => {
    const { c, rest, refresh } = setup(newDeployment('nginx:1.14'));
    await c.syncHandler('default/web');
    makeAvailable(rest);
    refresh();
    updateDeployment(rest, (d) => {
      d.spec!.paused = true;
      d.spec!.template!.spec!.containers[0]!.image = 'nginx:1.16';
    });
    refresh();
    await c.syncHandler('default/web');
    expect(replicaSets(rest)).toHaveLength(1);
    const cond = rest.get<Deployment>('deployments', 'default', 'web')!.status?.conditions?.find((x) => x.type === 'Progressing');
    expect(cond).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused' });
  });

  it('reports ProgressDeadlineExceeded when a rollout stops moving', async () => {
    const { c, rest, refresh, clock } = setup(newDeployment('nginx:1.14', { progressDeadlineSeconds: 60 }));
    await c.syncHandler('default/web');
    refresh();
    await c.syncHandler('default/web');
    clock.ms += 120_000;
    refresh();
    await c.syncHandler('default/web');
    const cond = rest.get<Deployment>('deployments', 'default', 'web')!.status?.conditions?.find((x) => x.type === 'Progressing');
    expect(cond).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
  });

  it('recognises its ReplicaSet by template hash even when defaulting changed the template', async () => {
    const { c, rest, refresh } = setup(newDeployment('nginx:1.14'));
    await c.syncHandler('default/web');
    const [rs] = replicaSets(rest);
    rs!.spec!.template!.spec!.containers[0]!.terminationMessagePath = '/dev/termination-log';
    makeAvailable(rest);
    refresh();
    for (let i = 0; i < 3; i++) {
      await c.syncHandler('default/web');
      refresh();
    }
    expect(replicaSets(rest)).toHaveLength(1);
    expect(replicaSets(rest)[0]!.spec?.replicas).toBe(4);
  });
});

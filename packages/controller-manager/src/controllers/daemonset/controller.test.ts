import { describe, expect, it } from 'vitest';
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '@nanokube/client';
import { newTestContext } from '../../__tests__/fixture.js';
import { DaemonSetController } from './controller.js';
import { revisionName } from './revisions.js';

const template = { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'busybox' }] } };

function ds(spec: Partial<DaemonSet['spec']> = {}): DaemonSet {
  return {
    metadata: { name: 'agent', namespace: 'kube-system', uid: 'ds-uid', generation: 1, resourceVersion: '1' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template, ...spec } as DaemonSet['spec'],
  };
}

function node(name: string, taints: Node['spec'] extends infer S ? (S extends { taints?: infer T } ? T : never) : never = []): Node {
  return { metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: { taints } };
}

const controlPlane = node('master', [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);

function setup(d: DaemonSet, nodes: Node[], pods: Pod[] = []): ReturnType<typeof newTestContext> & { c: DaemonSetController } {
  const t = newTestContext();
  const c = new DaemonSetController(t.ctx);
  c.dsInformer.store.set(t.rest.seed(resources.daemonsets, d));
  for (const n of nodes) c.nodeInformer.store.set(n);
  for (const p of pods) c.podInformer.store.set(t.rest.seed(resources.pods, p));
  return { ...t, c };
}

function createdPods(t: ReturnType<typeof setup>): Pod[] {
  return t.rest.writes().filter((w) => w.verb === 'create' && w.resource === 'pods').map((w) => w.body as Pod);
}

function daemonPod(name: string, nodeName: string, hash: string, ready = true): Pod {
  return {
    metadata: {
      name,
      namespace: 'kube-system',
      creationTimestamp: '2023-12-31T00:00:00Z',
      labels: { app: 'agent', 'controller-revision-hash': hash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds-uid', controller: true }],
    },
    spec: { nodeName, containers: [] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

describe('DaemonSetController', () => {
  it('creates one pod per untainted node, pinned by node affinity, with the daemon tolerations', async () => {
    const t = setup(ds(), [node('worker01'), node('worker02'), controlPlane]);
    await t.c.sync('kube-system/agent');
    const pods = createdPods(t);
    const targets = pods.map((p) => p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchFields?.[0]?.values?.[0]);
    expect(targets.sort()).toEqual(['worker01', 'worker02']);
    expect(pods[0]!.spec?.nodeName).toBeUndefined();
    expect(pods[0]!.metadata?.generateName).toBe('agent-');
    expect(pods[0]!.spec?.tolerations).toContainEqual({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' });
    const hash = revisionName('agent', template).hash;
    expect(pods[0]!.metadata?.labels).toMatchObject({ 'controller-revision-hash': hash, 'pod-template-generation': '1' });
    const rev = t.rest.writes().find((w) => w.resource === 'controllerrevisions')!.body as ControllerRevision;
    expect(rev).toMatchObject({ metadata: { name: `agent-${hash}` }, revision: 1 });
    const status = (t.rest.writes().find((w) => w.subresource === 'status')!.body as DaemonSet).status;
    expect(status).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 0, numberReady: 0, numberUnavailable: 2 });
  });

  it('includes the control-plane node when the template tolerates its taint', async () => {
    const tolerating = ds({ template: { ...template, spec: { ...template.spec, tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] } } });
    const t = setup(tolerating, [node('worker01'), controlPlane]);
    await t.c.sync('kube-system/agent');
    expect(createdPods(t)).toHaveLength(2);
  });

  it('deletes pods on nodes it should no longer run on and reports status', async () => {
    const withSelector = ds({ template: { ...template, spec: { ...template.spec, nodeSelector: { disk: 'ssd' } } } });
    const hash = revisionName('agent', withSelector.spec!.template).hash;
    const t = setup(withSelector, [node('worker01')], [daemonPod('agent-a', 'worker01', hash)]);
    await t.c.sync('kube-system/agent');
    expect(t.rest.writes().filter((w) => w.verb === 'delete').map((w) => w.name)).toEqual(['agent-a']);
    const status = (t.rest.writes().find((w) => w.subresource === 'status')!.body as DaemonSet).status;
    expect(status).toMatchObject({ desiredNumberScheduled: 0, numberMisscheduled: 1 });
  });

  it('rolls outdated pods one node at a time', async () => {
    const t = setup(ds(), [node('worker01'), node('worker02')], [daemonPod('agent-a', 'worker01', 'old'), daemonPod('agent-b', 'worker02', 'old')]);
    await t.c.sync('kube-system/agent');
    expect(t.rest.writes().filter((w) => w.verb === 'delete' && w.resource === 'pods')).toHaveLength(1);
    expect(createdPods(t)).toEqual([]);
  });

  it('leaves outdated pods alone with OnDelete', async () => {
    const t = setup(ds({ updateStrategy: { type: 'OnDelete' } }), [node('worker01')], [daemonPod('agent-a', 'worker01', 'old')]);
    await t.c.sync('kube-system/agent');
    expect(t.rest.writes().filter((w) => w.resource === 'pods')).toEqual([]);
  });
});

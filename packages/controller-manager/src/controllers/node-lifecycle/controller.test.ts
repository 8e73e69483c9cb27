import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { resources, type Lease } from '@nanokube/client';
import { mirror, newTestContext } from '../../__tests__/fixture.js';
import { NodeLifecycleController } from './controller.js';
import { evictionDelayMs, reconcileTaints } from './taints.js';

const readyNode = (heartbeat: string): Node => ({
  metadata: { name: 'worker01' },
  spec: {},
  status: {
    conditions: [
      { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: heartbeat, lastTransitionTime: heartbeat },
      { type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: heartbeat, lastTransitionTime: heartbeat },
    ],
  },
});

function pod(name: string, tolerationSeconds?: number): Pod {
  return {
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: 'worker01',
      containers: [],
      tolerations:
        tolerationSeconds === undefined
          ? []
          : [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds }],
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function setup() {
  const f = newTestContext({ nodeMonitorGracePeriodMs: 40_000 });
  const c = new NodeLifecycleController(f.ctx);
  const refresh = (): void => {
    mirror(f.rest, c.nodeInformer.store, 'nodes');
    mirror(f.rest, c.podInformer.store, 'pods');
    mirror(f.rest, c.leaseInformer.store, 'leases');
  };
  return { ...f, c, refresh };
}

describe('NodeLifecycleController', () => {
  it('marks a silent node Unknown, taints it, and evicts pods after their tolerationSeconds', async () => {
    const { c, rest, clock, refresh } = setup();
    rest.seed(resources.nodes, readyNode('2024-01-01T00:00:00Z'));
    rest.seed(resources.nodes, { ...readyNode('2024-01-01T00:00:00Z'), metadata: { name: 'master' } });
    rest.seed(resources.leases, { metadata: { name: 'worker01', namespace: 'kube-node-lease' }, spec: { renewTime: '2024-01-01T00:00:00.000000Z' } } as Lease);
    rest.seed(resources.pods, pod('intolerant'));
    rest.seed(resources.pods, pod('tolerant', 300));
    refresh();
    // 1. Fresh heartbeat: nothing to do.
    await c.syncHandler('worker01');
    expect(rest.writes()).toEqual([]);
    // 2. Silent past the grace period.
    clock.ms += 41_000;
    await c.syncHandler('worker01');
    const node = rest.get<Node>('nodes', undefined, 'worker01')!;
    expect(node.status?.conditions?.find((x) => x.type === 'Ready')).toMatchObject({
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
      lastHeartbeatTime: '2024-01-01T00:00:00Z',
    });
    expect(node.status?.conditions?.find((x) => x.type === 'MemoryPressure')?.status).toBe('Unknown');
    expect(node.spec?.taints?.map((t) => `${t.key}:${t.effect}`).sort()).toEqual([
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unreachable:NoSchedule',
    ]);
    expect(rest.get<Pod>('pods', 'default', 'tolerant')!.status?.conditions?.[0]?.status).toBe('False');
    expect(rest.get<Pod>('pods', 'default', 'intolerant')).toBeUndefined();
    // 3. tolerationSeconds later the tolerant pod goes too.
    refresh();
    clock.ms += 299_000;
    await c.syncHandler('worker01');
    expect(rest.get<Pod>('pods', 'default', 'tolerant')).toBeDefined();
    clock.ms += 2_000;
    await c.syncHandler('worker01');
    expect(rest.get<Pod>('pods', 'default', 'tolerant')).toBeUndefined();
  });

  it('evicts nothing while no node at all is Ready (full disruption)', async () => {
    const { c, rest, clock, refresh } = setup();
    rest.seed(resources.nodes, readyNode('2024-01-01T00:00:00Z'));
    rest.seed(resources.pods, pod('intolerant'));
    refresh();
    await c.syncHandler('worker01');
    clock.ms += 41_000;
    await c.syncHandler('worker01');
    const node = rest.get<Node>('nodes', undefined, 'worker01')!;
    expect(node.status?.conditions?.find((x) => x.type === 'Ready')?.status).toBe('Unknown');
    expect(node.spec?.taints?.map((t) => `${t.key}:${t.effect}`)).toEqual(['node.kubernetes.io/unreachable:NoSchedule']);
    expect(rest.get<Pod>('pods', 'default', 'intolerant')).toBeDefined();
  });

  it('keeps a node whose Lease keeps renewing, even with an old Ready heartbeat', async () => {
    const { c, rest, clock, refresh } = setup();
    rest.seed(resources.nodes, readyNode('2024-01-01T00:00:00Z'));
    const lease = rest.seed(resources.leases, { metadata: { name: 'worker01', namespace: 'kube-node-lease' }, spec: { renewTime: 't0' } } as Lease);
    refresh();
    await c.syncHandler('worker01');
    for (let i = 1; i <= 10; i++) {
      clock.ms += 10_000;
      lease.spec!.renewTime = `t${i}`;
      refresh();
      await c.syncHandler('worker01');
    }
    expect(rest.writes()).toEqual([]);
  });

  it('removes the taints when the node reports Ready again', async () => {
    const { c, rest, clock, refresh } = setup();
    rest.seed(resources.nodes, readyNode('2024-01-01T00:00:00Z'));
    refresh();
    await c.syncHandler('worker01');
    clock.ms += 41_000;
    await c.syncHandler('worker01');
    const node = rest.get<Node>('nodes', undefined, 'worker01')!;
    node.status = readyNode('2024-01-01T00:01:00Z').status!;
    refresh();
    await c.syncHandler('worker01');
    expect(rest.get<Node>('nodes', undefined, 'worker01')!.spec?.taints).toBeUndefined();
  });
});

describe('taints', () => {
  it('adds not-ready for NotReady and unschedulable for cordoned nodes, keeping foreign taints', () => {
    const node: Node = {
      spec: { unschedulable: true, taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
      status: { conditions: [{ type: 'Ready', status: 'False' }] },
    };
    expect(reconcileTaints(node, 'now')?.map((t) => `${t.key}:${t.effect}`)).toEqual([
      'node-role.kubernetes.io/control-plane:NoSchedule',
      'node.kubernetes.io/not-ready:NoSchedule',
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
  });

  it('computes eviction delays from tolerations', () => {
    const taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
    expect(evictionDelayMs(pod('a'), [taint])).toBe(0);
    expect(evictionDelayMs(pod('b', 300), [taint])).toBe(300_000);
    const forever: Pod = { spec: { containers: [], tolerations: [{ operator: 'Exists' }] } };
    expect(evictionDelayMs(forever, [taint])).toBe(Infinity);
  });
});

/**
 * The scheduler against a real control plane (`nanokube up` starts store, apiserver, scheduler and
 * controller-manager as processes): Node objects are created with the admin kubeconfig, the ReplicaSet
 * controller creates the pods, and the scheduler process binds them through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromKubeconfig, ResourceClient, RestClient, type KubeObject } from '@nanokube/client';
import { startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';

const gvr = (resource: string, kind: string, namespaced = true, group = '') => ({ group, version: 'v1', resource, kind, namespaced });
type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

let cp: TestControlPlane;
let rest: RestClient;

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  cp = await startTestControlPlane();
  rest = new RestClient(await configFromKubeconfig(cp.adminConf));
  const nodes = new ResourceClient<Obj>(rest, gvr('nodes', 'Node', false));
  for (const name of ['master', 'worker01', 'worker02', 'worker03']) {
    await nodes.create({
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      spec: name === 'master' ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {},
    });
    const res = { cpu: '2', memory: '4Gi', pods: '110' };
    await nodes.patch(name, 'merge', { status: { allocatable: res, capacity: res } }, { subresource: 'status' });
  }
});

afterAll(async () => {
  await rest?.close();
  await cp?.stop();
});

describe('nanokube scheduler', () => {
  it('spreads a ReplicaSet over the three workers and records Scheduled events', async () => {
    await new ResourceClient<Obj>(rest, { ...gvr('replicasets', 'ReplicaSet', true, 'apps') }).inNamespace('default').create({
      metadata: { name: 'web' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    const pods = new ResourceClient<Obj>(rest, gvr('pods', 'Pod')).inNamespace('default');
    const placed = await waitFor('three bound pods', async () => {
      const list = await pods.list({ labelSelector: 'app=web' });
      const nodes = list.items.map((p) => p.spec?.['nodeName'] as string | undefined);
      return nodes.length === 3 && nodes.every(Boolean) ? list.items : undefined;
    });
    // Default topology spreading puts one replica on each worker; the tainted master gets none.
    expect(new Set(placed.map((p) => p.spec?.['nodeName']))).toEqual(new Set(['worker01', 'worker02', 'worker03']));
    const events = new ResourceClient<Obj & { reason?: string; message?: string }>(rest, gvr('events', 'Event')).inNamespace('default');
    const messages = await waitFor('Scheduled events', async () => {
      const m = (await events.list()).items.filter((e) => e.reason === 'Scheduled').map((e) => e.message);
      return m.length === 3 ? m : undefined;
    });
    for (const p of placed) {
      expect(messages).toContain(`Successfully assigned default/${String(p.metadata?.name)} to ${String(p.spec?.['nodeName'])}`);
    }
  });

  it('explains why a pod fits nowhere as upstream does', async () => {
    const pods = new ResourceClient<Obj>(rest, gvr('pods', 'Pod')).inNamespace('default');
    await pods.create({ metadata: { name: 'big' }, spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '3' } } }] } });
    const events = new ResourceClient<Obj & { reason?: string; message?: string; involvedObject?: { name?: string } }>(rest, gvr('events', 'Event')).inNamespace('default');
    const msg = await waitFor('a FailedScheduling event', async () =>
      (await events.list()).items.find((e) => e.reason === 'FailedScheduling' && e.involvedObject?.name === 'big')?.message,
    );
    expect(msg).toBe(
      '0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. ' +
        'preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.',
    );
    expect((await pods.get('big')).spec?.['nodeName']).toBeUndefined();
  });
});

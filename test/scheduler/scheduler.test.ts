/**
 * The scheduler against a real control plane (`nanokube up`): Node objects and pods are created with the
 * admin kubeconfig; the scheduler runs in-process through createScheduler and binds through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromKubeconfig, ResourceClient, RestClient, type KubeObject } from '@nanokube/client';
import { createLogger } from '@nanokube/component-base';
import { createScheduler } from '@nanokube/scheduler';
import { startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';

const gvr = (resource: string, kind: string, namespaced = true, group = '') => ({ group, version: 'v1', resource, kind, namespaced });
type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

let cp: TestControlPlane;
let rest: RestClient;
const stop = new AbortController();
let running: Promise<void>;

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
  const scheduler = createScheduler({ rest, log: createLogger({ component: 'scheduler', level: 'warn', pretty: false }) });
  running = scheduler.run(stop.signal);
});

afterAll(async () => {
  stop.abort();
  await running;
  await rest?.close();
  await cp?.stop();
});

describe('nanokube scheduler', () => {
  it('spreads a ReplicaSet over the three workers and records Scheduled events', async () => {
    const rs = await new ResourceClient<Obj>(rest, { ...gvr('replicasets', 'ReplicaSet', true, 'apps') }).inNamespace('default').create({
      metadata: { name: 'web' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    const pods = new ResourceClient<Obj>(rest, gvr('pods', 'Pod')).inNamespace('default');
    for (const i of [1, 2, 3]) {
      await pods.create({
        metadata: {
          name: `web-${i}`,
          labels: { app: 'web' },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata?.uid ?? '', controller: true }],
        },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      });
    }
    const placed = await waitFor('three bound pods', async () => {
      const list = await pods.list({ labelSelector: 'app=web' });
      const nodes = list.items.map((p) => p.spec?.['nodeName'] as string | undefined);
      return nodes.every(Boolean) ? nodes : undefined;
    });
    expect(new Set(placed)).toEqual(new Set(['worker01', 'worker02', 'worker03']));
    const events = new ResourceClient<Obj & { reason?: string; message?: string }>(rest, gvr('events', 'Event')).inNamespace('default');
    const messages = await waitFor('Scheduled events', async () => {
      const m = (await events.list()).items.filter((e) => e.reason === 'Scheduled').map((e) => e.message);
      return m.length === 3 ? m : undefined;
    });
    const web1 = (await pods.get('web-1')).spec?.['nodeName'];
    expect(messages).toContain(`Successfully assigned default/web-1 to ${String(web1)}`);
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

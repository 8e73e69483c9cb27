/**
 * A node whose kubelet stops: `nanokube up` with a controller-manager whose node-monitor grace period is 8 s
 * and three workers, each its own simulated-kubelet process. Once a worker's kubelet is gone the node goes
 * NotReady, gets the unreachable NoExecute taint, its pods that tolerate it for 2 s are evicted, and the
 * Deployment's pods run again on the remaining nodes.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';
import { startSimulatedKubelet, waitFor, type TestProcess } from './cluster.js';

type PodJson = { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string }; status: { phase?: string } };
type NodeJson = { spec: { taints?: { key: string; effect: string }[] }; status: { conditions: { type: string; status: string; reason?: string; lastTransitionTime?: string }[] } };

const workers = [
  { name: 'worker01', ip: '127.0.0.101' },
  { name: 'worker02', ip: '127.0.0.102' },
  { name: 'worker03', ip: '127.0.0.103' },
];

describe.skipIf(!hasKubectl())('node failure', () => {
  let cp: TestControlPlane;
  let k: Kubectl;
  const kubelets = new Map<string, TestProcess>();

  const json = async <T>(args: string[]): Promise<T> => JSON.parse(await k.ok([...args, '-o', 'json'])) as T;
  const pods = async (): Promise<PodJson[]> => (await json<{ items: PodJson[] }>(['get', 'pods', '-l', 'app=movable'])).items;

  beforeAll(async () => {
    cp = await startTestControlPlane({ extraArgs: ['--controller-manager-flags=--node-monitor-grace-period=8s --node-monitor-period=1s'] });
    k = new Kubectl(cp.adminConf);
    for (const w of workers) kubelets.set(w.name, await startSimulatedKubelet(cp, w));
    await waitFor('3 Ready nodes', async () => ((await k.ok(['get', 'nodes', '--no-headers'])).split('\n').filter((l) => / Ready /.test(l)).length === 3 ? true : undefined), 60_000);
    await waitFor('default service account', () => k.ok(['get', 'serviceaccount', 'default']));
  }, 120_000);

  afterAll(async () => {
    for (const [name, kubelet] of kubelets) {
      await kubelet.stop();
      if (kubelet.output().trim()) process.stderr.write(`--- kubelet ${name}\n${kubelet.output().slice(-2000)}\n`);
    }
    await cp?.stop();
    if (k) rmSync(k.home, { recursive: true, force: true });
  });

  it('marks the node NotReady and moves its pods to the remaining nodes', async () => {
    const toleration = (key: string) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 });
    await k.ok(['apply', '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'movable' },
        spec: {
          replicas: 6,
          selector: { matchLabels: { app: 'movable' } },
          template: {
            metadata: { labels: { app: 'movable' } },
            spec: {
              containers: [{ name: 'c', image: 'nginx' }],
              tolerations: [toleration('node.kubernetes.io/unreachable'), toleration('node.kubernetes.io/not-ready')],
            },
          },
        },
      }),
    });
    const placed = await waitFor('6 pods Running', async () => {
      const ps = await pods();
      return ps.length === 6 && ps.every((p) => p.status.phase === 'Running') ? ps : undefined;
    }, 60_000);
    const victim = placed[0]?.spec.nodeName ?? '';
    const moved = placed.filter((p) => p.spec.nodeName === victim).map((p) => p.metadata.name);
    expect(moved.length).toBeGreaterThan(0);

    const stoppedAt = Date.now();
    await kubelets.get(victim)?.stop('SIGKILL');
    const node = await waitFor(`${victim} NotReady`, async () => {
      const n = await json<NodeJson>(['get', 'node', victim]);
      return n.status.conditions.find((c) => c.type === 'Ready')?.status === 'Unknown' ? n : undefined;
    }, 40_000);
    expect(Date.now() - stoppedAt).toBeLessThan(40_000);
    // Not before the grace period after the node's last heartbeat (its lease, renewed every 10 s).
    const renewTime = Date.parse((await k.ok(['get', 'lease', '-n', 'kube-node-lease', victim, '-o', 'jsonpath={.spec.renewTime}'])).trim());
    const ready = node.status.conditions.find((c) => c.type === 'Ready');
    expect(Date.parse(ready?.lastTransitionTime ?? '') - renewTime).toBeGreaterThanOrEqual(8_000 - 1_000);
    expect(ready?.reason).toBe('NodeStatusUnknown');
    expect(await k.ok(['get', 'node', victim, '--no-headers'])).toMatch(new RegExp(`^${victim}\\s+NotReady\\s`));
    await waitFor('unreachable taints', async () => {
      const taints = (await json<NodeJson>(['get', 'node', victim])).spec.taints ?? [];
      return ['NoSchedule', 'NoExecute'].every((e) => taints.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === e)) ? true : undefined;
    });

    const after = await waitFor('6 live pods Running elsewhere', async () => {
      const live = (await pods()).filter((p) => !p.metadata.deletionTimestamp);
      return live.length === 6 && live.every((p) => p.status.phase === 'Running' && p.spec.nodeName !== victim) ? live : undefined;
    }, 60_000);
    expect(new Set(after.map((p) => p.spec.nodeName)).size).toBe(2);
    // The evicted pods were deleted (they stay Terminating: no kubelet confirms on the dead node).
    const evicted = (await pods()).filter((p) => moved.includes(p.metadata.name));
    expect(evicted.every((p) => p.metadata.deletionTimestamp)).toBe(true);
    const events = await k.ok(['get', 'events', '--field-selector', `involvedObject.name=${moved[0] ?? ''}`]);
    expect(events).toMatch(/TaintManagerEviction|Marking for deletion/);
  });
});

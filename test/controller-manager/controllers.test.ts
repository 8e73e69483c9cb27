/**
 * The controller-manager against a real loopback control plane (`nanokube up`) and the real kubectl:
 * deployments roll out through ReplicaSets (history, undo), pods are replaced, the garbage collector
 * cascades deletes, namespaces drain, service accounts appear. No kubelet runs, so the test plays the
 * kubelets' part by marking pods Running and Ready through `pods/status`.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { configFromKubeconfig, ResourceClient, resources, RestClient } from '@nanokube/client';
import { createLogger } from '@nanokube/component-base';
import { createControllerManager, defaultOptions } from '@nanokube/controller-manager';
import { startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';

describe.skipIf(!hasKubectl())('controller-manager with the real kubectl', () => {
  let cp: TestControlPlane;
  let k: Kubectl;
  let admin: RestClient;
  const stop = new AbortController();
  let managerDone: Promise<void> | undefined;

  /** Marks every pod of a namespace Running and Ready, as kubelets would. */
  async function makePodsReady(namespace = 'default'): Promise<void> {
    const pods = new ResourceClient<Pod>(admin, resources.pods).inNamespace(namespace);
    for (const pod of (await pods.list()).items) {
      if (pod.metadata?.deletionTimestamp || pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
      const status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }] };
      await pods.updateStatus({ ...pod, status } as Pod).catch(() => undefined);
    }
  }

  /** Repeats fn (with pods made ready in between) until it stops throwing, for at most timeoutMs. */
  async function eventually<T>(fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await makePodsReady();
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  beforeAll(async () => {
    cp = await startTestControlPlane();
    k = new Kubectl(cp.adminConf);
    admin = new RestClient(await configFromKubeconfig(cp.adminConf));
    const manager = await createControllerManager({
      options: { ...defaultOptions(), kubeconfig: `${cp.dir}/controller-manager.conf`, securePort: 0 },
      leaderElection: { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 1_000 },
      log: createLogger({ component: 'controller-manager', level: 'warn', pretty: false }),
    });
    managerDone = manager.run(stop.signal);
  });

  afterAll(async () => {
    stop.abort();
    await managerDone;
    await admin?.close();
    await cp?.stop();
    if (k) rmSync(k.home, { recursive: true, force: true });
  });

  it('creates the default service account in every namespace', async () => {
    await k.ok(['create', 'namespace', 'team']);
    await eventually(() => k.ok(['get', 'serviceaccount', 'default', '-n', 'team']));
  });

  it('rolls a deployment out, records history with change-cause, and rolls back', async () => {
    await k.ok(['create', 'deployment', 'dpy-nginx', '--image=nginx:1.14', '--replicas=3']);
    await eventually(() => k.ok(['rollout', 'status', 'deployment/dpy-nginx', '--timeout=1s']));
    const rs = await k.ok(['get', 'rs', '-l', 'app=dpy-nginx', '-o', 'jsonpath={.items[0].metadata.name}']);
    expect(rs).toMatch(/^dpy-nginx-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(await k.ok(['get', 'pods', '-l', 'app=dpy-nginx', '--no-headers'])).toMatch(new RegExp(`^${rs}-[a-z0-9]{5} `, 'm'));

    await k.ok(['set', 'image', 'deployment/dpy-nginx', 'nginx=nginx:1.16.0', '--record']);
    await eventually(() => k.ok(['rollout', 'status', 'deployment/dpy-nginx', '--timeout=1s']));
    const history = await k.ok(['rollout', 'history', 'deployment/dpy-nginx']);
    expect(history).toMatch(/^1\s+<none>$/m);
    expect(history).toMatch(/^2\s+kubectl.* set image deployment\/dpy-nginx nginx=nginx:1.16.0 --record=true$/m);

    expect(await k.ok(['rollout', 'undo', 'deployment/dpy-nginx', '--to-revision=1'])).toContain('rolled back');
    await eventually(() => k.ok(['rollout', 'status', 'deployment/dpy-nginx', '--timeout=1s']));
    expect(await k.ok(['get', 'deployment', 'dpy-nginx', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).toBe('nginx:1.14');
    expect(await k.ok(['rollout', 'history', 'deployment/dpy-nginx'])).toMatch(/^3\s+<none>$/m);
  });

  it('replaces a deleted pod and recreates a deleted ReplicaSet', async () => {
    const before = (await k.ok(['get', 'pods', '-l', 'app=dpy-nginx', '-o', 'name'])).trim().split('\n');
    await k.ok(['delete', (before[0] ?? '').trim(), '--wait=false']);
    await eventually(async () => {
      const after = (await k.ok(['get', 'pods', '-l', 'app=dpy-nginx', '-o', 'name'])).trim().split('\n');
      expect(after).toHaveLength(3);
      expect(after).not.toContain(before[0]);
    });
    await k.ok(['delete', 'rs', '-l', 'app=dpy-nginx', '--wait=false']);
    await eventually(() => k.ok(['rollout', 'status', 'deployment/dpy-nginx', '--timeout=1s']));
  });

  it('deletes ReplicaSets and pods with their deployment (garbage collector)', async () => {
    await k.ok(['delete', 'deployment', 'dpy-nginx']);
    await eventually(async () => {
      expect(await k.ok(['get', 'rs,pods', '-l', 'app=dpy-nginx', '-o', 'name'])).toBe('');
    });
  });

  it('drains and removes a deleted namespace', async () => {
    await k.ok(['-n', 'team', 'create', 'deployment', 'w', '--image=nginx', '--replicas=2']);
    await k.ok(['-n', 'team', 'create', 'configmap', 'c', '--from-literal=a=b']);
    await eventually(() => k.ok(['-n', 'team', 'get', 'rs', '-o', 'name']).then((o) => expect(o).not.toBe('')));
    await k.ok(['delete', 'namespace', 'team', '--timeout=30s'], { timeoutMs: 40_000 });
    const r = await k.run(['get', 'namespace', 'team']);
    expect(r.stderr).toContain('namespaces "team" not found');
  });
});

/**
 * The whole control plane (`nanokube up --simulated-nodes 3`, plus a tainted master as its own simulated
 * kubelet) driven by the real kubectl: cascading deletes (orphan, foreground, background), Jobs, a CronJob,
 * a DaemonSet (with and without a toleration for the master's taint) and a StatefulSet's ordered start.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';
import { startSimulatedKubelet, waitFor, type TestProcess } from './cluster.js';

type Meta = { name: string; ownerReferences?: { kind: string; name: string }[]; creationTimestamp: string; deletionTimestamp?: string };
type PodJson = { metadata: Meta; spec: { nodeName?: string }; status: { phase?: string; startTime?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] } };
type List<T> = { items: T[] };

describe.skipIf(!hasKubectl())('control plane workloads with the real kubectl', () => {
  let cp: TestControlPlane;
  let k: Kubectl;
  let master: TestProcess | undefined;

  const json = async <T>(args: string[]): Promise<T> => JSON.parse(await k.ok([...args, '-o', 'json'])) as T;
  const pods = async (selector: string): Promise<PodJson[]> => (await json<List<PodJson>>(['get', 'pods', '-l', selector])).items;
  const apply = (obj: unknown): Promise<string> => k.ok(['apply', '-f', '-'], { stdin: JSON.stringify(obj) });
  const deployment = (name: string, replicas: number) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  });
  async function runningDeployment(name: string, replicas: number): Promise<PodJson[]> {
    await apply(deployment(name, replicas));
    return waitFor(`${name} pods Running`, async () => {
      const ps = await pods(`app=${name}`);
      return ps.length === replicas && ps.every((p) => p.status.phase === 'Running') ? ps : undefined;
    });
  }

  beforeAll(async () => {
    cp = await startTestControlPlane({ extraArgs: ['--simulated-nodes', '3'] });
    k = new Kubectl(cp.adminConf);
    master = await startSimulatedKubelet(cp, { name: 'master', ip: '127.0.0.10', master: true });
    await waitFor('4 Ready nodes', async () => ((await k.ok(['get', 'nodes', '--no-headers'])).split('\n').filter((l) => / Ready /.test(l)).length === 4 ? true : undefined), 60_000);
    await waitFor('default service account', () => k.ok(['get', 'serviceaccount', 'default']));
  }, 120_000);

  afterAll(async () => {
    await master?.stop();
    await cp?.stop();
    if (k) rmSync(k.home, { recursive: true, force: true });
  });

  it('orphans the ReplicaSet and pods with --cascade=orphan, removing their ownerReferences', async () => {
    await runningDeployment('orphan', 2);
    await k.ok(['delete', 'deployment', 'orphan', '--cascade=orphan']);
    expect((await k.run(['get', 'deployment', 'orphan'])).stderr).toContain('not found');
    const rs = await waitFor('ReplicaSet released', async () => {
      const items = (await json<List<{ metadata: Meta }>>(['get', 'rs', '-l', 'app=orphan'])).items;
      return items.length === 1 && !items[0]?.metadata.ownerReferences?.length ? items : undefined;
    });
    const before = await pods('app=orphan');
    expect(before).toHaveLength(2);
    // The ReplicaSet still owns its pods and keeps them; nothing is collected a while later.
    await new Promise((r) => setTimeout(r, 3_000));
    const after = await pods('app=orphan');
    expect(after.map((p) => p.metadata.name).sort()).toEqual(before.map((p) => p.metadata.name).sort());
    expect(after.every((p) => p.metadata.ownerReferences?.[0]?.name === rs[0]?.metadata.name)).toBe(true);
    await k.ok(['delete', 'rs', '-l', 'app=orphan', '--cascade=orphan']);
    await waitFor('pods released', async () => ((await pods('app=orphan')).every((p) => !p.metadata.ownerReferences?.length) ? true : undefined));
    expect(await pods('app=orphan')).toHaveLength(2);
    await k.ok(['delete', 'pods', '-l', 'app=orphan', '--wait=false']);
  });

  it('returns from --cascade=foreground only once the dependents are gone', async () => {
    await runningDeployment('fg', 3);
    await k.ok(['delete', 'deployment', 'fg', '--cascade=foreground', '--timeout=60s'], { timeoutMs: 70_000 });
    // kubectl waited for the owner, which the garbage collector removes after its dependents.
    expect(await k.ok(['get', 'rs', '-l', 'app=fg', '-o', 'name'])).toBe('');
    // The ReplicaSet was deleted in the foreground too, so its pods were gone before it.
    expect(await pods('app=fg')).toEqual([]);
  });

  it('deletes the dependents in the background with the default cascade', async () => {
    await runningDeployment('bg', 2);
    await k.ok(['delete', 'deployment', 'bg', '--cascade=background']);
    await waitFor('rs and pods gone', async () => ((await k.ok(['get', 'rs,pods', '-l', 'app=bg', '-o', 'name'])) === '' ? true : undefined));
  });

  it('completes a Job', async () => {
    await k.ok(['create', 'job', 'once', '--image=busybox', '--', 'true']);
    await k.ok(['wait', '--for=condition=complete', 'job/once', '--timeout=60s'], { timeoutMs: 70_000 });
    expect(await k.ok(['get', 'job', 'once', '--no-headers'])).toMatch(/^once\s+Complete\s+1\/1\s/);
    const ps = await pods('job-name=once');
    expect(ps.map((p) => p.status.phase)).toEqual(['Succeeded']);
  });

  it('runs a DaemonSet pod on each schedulable node, and on the tainted master when tolerated', async () => {
    const ds = (name: string, tolerate: boolean) => ({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name },
      spec: {
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [{ name: 'c', image: 'busybox' }],
            ...(tolerate ? { tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] } : {}),
          },
        },
      },
    });
    await apply(ds('agent', false));
    await apply(ds('agent-all', true));
    for (const [name, nodes] of [['agent', ['sim-0', 'sim-1', 'sim-2']], ['agent-all', ['master', 'sim-0', 'sim-1', 'sim-2']]] as const) {
      const ps = await waitFor(`${name} on ${nodes.length} nodes`, async () => {
        const p = await pods(`app=${name}`);
        return p.length === nodes.length && p.every((x) => x.status.phase === 'Running') ? p : undefined;
      }, 60_000);
      expect(ps.map((p) => p.spec.nodeName).sort()).toEqual([...nodes]);
      await waitFor(`${name} status`, async () => {
        const st = (await json<{ status: { desiredNumberScheduled?: number; numberReady?: number } }>(['get', 'ds', name])).status;
        return st.desiredNumberScheduled === nodes.length && st.numberReady === nodes.length ? true : undefined;
      });
    }
  });

  it('starts a StatefulSet web-0..2 one after another', async () => {
    await apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80 }] } });
    await apply({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web' },
      spec: {
        serviceName: 'web',
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
      },
    });
    const ps = await waitFor('web-0..2 Running and Ready', async () => {
      const p = await pods('app=web');
      const ready = (x: PodJson) => x.status.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
      return p.length === 3 && p.every(ready) ? p : undefined;
    }, 60_000);
    const byName = new Map(ps.map((p) => [p.metadata.name, p]));
    expect([...byName.keys()].sort()).toEqual(['web-0', 'web-1', 'web-2']);
    // OrderedReady: each pod is created only once its predecessor is Ready.
    for (const [prev, next] of [['web-0', 'web-1'], ['web-1', 'web-2']] as const) {
      const readyAt = byName.get(prev)?.status.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '';
      expect(Date.parse(byName.get(next)?.metadata.creationTimestamp ?? '')).toBeGreaterThanOrEqual(Date.parse(readyAt));
    }
  });

  it('fires a CronJob every minute', async () => {
    await k.ok(['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/1 * * * *', '--', 'true']);
    const job = await waitFor('a Job from tick', async () => {
      const jobs = (await json<List<{ metadata: Meta }>>(['get', 'jobs'])).items.filter((j) => j.metadata.ownerReferences?.[0]?.name === 'tick');
      return jobs[0];
    }, 75_000, 1_000);
    expect(job.metadata.name).toMatch(/^tick-\d+$/);
    await k.ok(['wait', '--for=condition=complete', `job/${job.metadata.name}`, '--timeout=60s'], { timeoutMs: 70_000 });
    await waitFor('lastScheduleTime and lastSuccessfulTime', async () => {
      const st = (await json<{ status: { lastScheduleTime?: string; lastSuccessfulTime?: string } }>(['get', 'cronjob', 'tick'])).status;
      return st.lastScheduleTime && st.lastSuccessfulTime ? true : undefined;
    });
  }, 150_000);
});

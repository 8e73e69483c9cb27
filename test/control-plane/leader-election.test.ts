/**
 * controller-manager leader election across processes: `nanokube up --controller-manager=false` and two
 * controller-manager processes of the test's own on the same Lease. Only the leader runs controllers; when
 * it is killed the standby takes over within the lease duration and nothing is created twice.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';
import { controllerManagerArgs, sleep, startNanokube, waitFor, type TestProcess } from './cluster.js';

type PodJson = { metadata: { name: string; deletionTimestamp?: string }; status: { phase?: string } };
type LeaseJson = { spec: { holderIdentity?: string; leaseTransitions?: number; leaseDurationSeconds?: number } };

const started = (p: TestProcess): boolean => p.output().includes('"msg":"Started controllers"');

describe.skipIf(!hasKubectl())('controller-manager leader election failover', () => {
  let cp: TestControlPlane;
  let k: Kubectl;
  const managers: TestProcess[] = [];

  const json = async <T>(args: string[]): Promise<T> => JSON.parse(await k.ok([...args, '-o', 'json'])) as T;
  const lease = (): Promise<LeaseJson> => json<LeaseJson>(['get', 'lease', '-n', 'kube-system', 'kube-controller-manager']);
  const counts = async (): Promise<{ rs: number; pods: number; running: number }> => {
    const rs = (await json<{ items: unknown[] }>(['get', 'rs', '-l', 'app=once'])).items.length;
    const pods = (await json<{ items: PodJson[] }>(['get', 'pods', '-l', 'app=once'])).items.filter((p) => !p.metadata.deletionTimestamp);
    return { rs, pods: pods.length, running: pods.filter((p) => p.status.phase === 'Running').length };
  };

  beforeAll(async () => {
    cp = await startTestControlPlane({ extraArgs: ['--simulated-nodes', '3', '--controller-manager=false'] });
    k = new Kubectl(cp.adminConf);
  }, 120_000);

  afterAll(async () => {
    for (const m of managers) await m.stop();
    await cp?.stop();
    if (k) rmSync(k.home, { recursive: true, force: true });
  });

  it('runs controllers only in the leader and fails over to the standby within the lease duration', async () => {
    const first = startNanokube(controllerManagerArgs(cp), 'info');
    managers.push(first);
    await waitFor('the first controller-manager leading', async () => (started(first) ? true : undefined), 30_000, 200);
    const second = startNanokube(controllerManagerArgs(cp), 'info');
    managers.push(second);
    await waitFor('the second controller-manager waiting', async () => (second.output().includes('"msg":"New leader elected"') ? true : undefined), 30_000, 200);
    // Nodes become Ready once the leader's node-ipam controller gives them pod CIDRs.
    await waitFor('3 Ready nodes', async () => ((await k.ok(['get', 'nodes', '--no-headers'])).split('\n').filter((l) => / Ready /.test(l)).length === 3 ? true : undefined), 60_000);
    const holder = (await lease()).spec.holderIdentity ?? '';
    expect(holder).toMatch(/_[0-9a-f-]{36}$/);

    await waitFor('default service account', () => k.ok(['get', 'serviceaccount', 'default']));
    await k.ok(['create', 'deployment', 'once', '--image=nginx', '--replicas=4']);
    await waitFor('4 pods Running', async () => ((await counts()).running === 4 ? true : undefined), 60_000);
    expect(started(second)).toBe(false);

    const transitions = (await lease()).spec.leaseTransitions ?? 0;
    const killedAt = Date.now();
    await first.stop('SIGKILL');
    await waitFor('the standby leading', async () => (started(second) ? true : undefined), 30_000, 100);
    const takeover = Date.now() - killedAt;
    const after = await lease();
    // Within the 15 s lease duration of the last renewal (renewals every 2 s), plus one retry period.
    expect(takeover).toBeLessThan(15_000 + 2_000 + 1_000);
    expect(after.spec.holderIdentity).not.toBe(holder);
    expect(after.spec.leaseTransitions).toBe(transitions + 1);

    // The new leader's informers start from scratch: nothing is created a second time.
    await sleep(5_000);
    expect(await counts()).toEqual({ rs: 1, pods: 4, running: 4 });
    // ...and it does act: a scale-up lands, still on one ReplicaSet.
    await k.ok(['scale', 'deployment', 'once', '--replicas=5']);
    await waitFor('5 pods Running', async () => ((await counts()).running === 5 ? true : undefined), 30_000);
    await sleep(3_000);
    expect(await counts()).toEqual({ rs: 1, pods: 5, running: 5 });
  });
});

/**
 * Simulated kubelets against a real control plane (`nanokube up`): a master (control-plane label and
 * taint) and worker01..03, each its own `nanokube kubelet --runtime=simulated` process with its own
 * `system:node:<name>` credentials, checked with the real kubectl.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, nanokubeBin, type TestControlPlane } from '../helpers/control-plane.js';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';
import { freePort } from '../helpers/ports.js';
import { startNode, writeNodeKubeconfig, type TestProcess } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const nodes = [
  { name: 'master', ip: '127.0.0.10', cidr: '10.244.0.0/24', master: true },
  { name: 'worker01', ip: '127.0.0.101', cidr: '10.244.1.0/24', master: false },
  { name: 'worker02', ip: '127.0.0.102', cidr: '10.244.2.0/24', master: false },
  { name: 'worker03', ip: '127.0.0.103', cidr: '10.244.3.0/24', master: false },
];

/** The kubelet entry: the CLI once it lists the verb, else the built package through run-kubelet.mjs. */
function kubeletCommand(): string[] {
  const verbs = resolve(import.meta.dirname, '../../packages/cli/dist/verbs.js');
  if (existsSync(verbs) && readFileSync(verbs, 'utf8').includes('kubelet')) return [nanokubeBin, 'kubelet'];
  return [resolve(import.meta.dirname, 'run-kubelet.mjs')];
}

let cp: TestControlPlane;
let kubectl: Kubectl;
const kubelets = new Map<string, TestProcess>();

function startKubelet(name: string, args: string[]): void {
  kubelets.set(name, { ...startNode([...kubeletCommand(), ...args]), args });
}

async function stopKubelet(name: string): Promise<void> {
  await kubelets.get(name)?.stop();
}

async function getJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectl.ok([...args, '-o', 'json'])) as T;
}

type PodJson = {
  metadata: { deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string; hostIP?: string; startTime?: string; conditions?: { type: string; status: string }[]; containerStatuses?: Record<string, unknown>[] };
};

function inCidr(ip: string, cidr: string): boolean {
  return ip.split('.').slice(0, 3).join('.') === cidr.split('.').slice(0, 3).join('.');
}

describe.skipIf(!hasKubectl())('nanokube kubelet --runtime=simulated', () => {
  beforeAll(async () => {
    cp = await startTestControlPlane();
    kubectl = new Kubectl(cp.adminConf);
    for (const n of nodes) {
      const conf = await writeNodeKubeconfig(cp, n.name);
      const args = [
        '--runtime=simulated', '--kubeconfig', conf, '--node-name', n.name, '--node-ip', n.ip, '--address', n.ip,
        '--port', String(await freePort()), '--simulated-job-duration', '1s', '--pod-logs-dir', join(cp.dir, 'pods', n.name),
        ...(n.master ? ['--node-labels', 'node-role.kubernetes.io/control-plane=', '--register-with-taints', 'node-role.kubernetes.io/control-plane:NoSchedule'] : []),
      ];
      startKubelet(n.name, args);
    }
    // Without the controller-manager's node IPAM, give each node its podCIDR as it would.
    for (const n of nodes) {
      await waitFor(`node ${n.name} registered`, async () => ((await kubectl.run(['get', 'node', n.name])).code === 0 ? true : undefined));
      const cidr = (await kubectl.ok(['get', 'node', n.name, '-o', 'jsonpath={.spec.podCIDR}'])).trim();
      if (!cidr) await kubectl.ok(['patch', 'node', n.name, '--type=merge', '-p', JSON.stringify({ spec: { podCIDR: n.cidr, podCIDRs: [n.cidr] } })]);
    }
  });

  afterAll(async () => {
    for (const name of kubelets.keys()) await stopKubelet(name);
    // Surface what the kubelets complained about, to diagnose a failure.
    for (const [name, k] of kubelets) if (k.output().trim()) process.stderr.write(`--- kubelet ${name}\n${k.output().slice(-4000)}\n`);
    await cp?.stop();
  });

  it('registers four Ready nodes with roles, version and node info', async () => {
    const table = await waitFor('4 Ready nodes', async () => {
      const out = await kubectl.ok(['get', 'nodes']);
      return out.split('\n').filter((l) => / Ready /.test(l)).length === 4 ? out : undefined;
    });
    const rows = table.trim().split('\n').slice(1).map((l) => l.split(/\s+/));
    expect(rows.map((r) => [r[0], r[1], r[2], r[4]])).toEqual([
      ['master', 'Ready', 'control-plane', 'v1.32.0'],
      ['worker01', 'Ready', '<none>', 'v1.32.0'],
      ['worker02', 'Ready', '<none>', 'v1.32.0'],
      ['worker03', 'Ready', '<none>', 'v1.32.0'],
    ]);
    const wide = await kubectl.ok(['get', 'node', 'worker01', '-o', 'wide']);
    expect(wide).toContain('127.0.0.101');
    expect(wide).toContain('simulated://0.1.0');
    const node = await getJson<{ metadata: { labels: Record<string, string> }; spec: { taints?: unknown[] }; status: Record<string, unknown> }>(['get', 'node', 'master']);
    expect(node.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': 'master', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'simulated' });
    expect(node.spec.taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    const ready = (node.status['conditions'] as { type: string; reason: string; message: string }[]).find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ reason: 'KubeletReady', message: 'kubelet is posting ready status' });
    expect(node.status['capacity']).toMatchObject({ cpu: '4', pods: '110' });
  });

  it('runs a pod with an IP from its node podCIDR and completes its deletion', async () => {
    await kubectl.ok(['run', 'web', '--image=nginx:1.14', '--port', '80']);
    const pod = await waitFor('web Running', async () => {
      const p = await getJson<PodJson>(['get', 'pod', 'web']);
      return p.status.phase === 'Running' && p.status.conditions?.every((c) => c.status === 'True') ? p : undefined;
    });
    const node = nodes.find((n) => n.name === pod.spec.nodeName);
    expect(node?.master).toBe(false);
    expect(inCidr(pod.status.podIP ?? '', node?.cidr ?? '')).toBe(true);
    expect(pod.status.hostIP).toBe(node?.ip);
    expect(pod.status.conditions?.map((c) => c.type)).toEqual(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
    const cs = pod.status.containerStatuses?.[0] ?? {};
    expect(cs).toMatchObject({ name: 'web', ready: true, started: true, restartCount: 0, image: 'docker.io/library/nginx:1.14' });
    expect(String(cs['containerID'])).toMatch(/^simulated:\/\/[0-9a-f]{64}$/);
    expect(String(cs['imageID'])).toMatch(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    expect(await kubectl.ok(['get', 'pod', 'web', '-o', 'wide'])).toMatch(/web\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d\.\d+\s+worker0\d/);
    const events = await kubectl.ok(['get', 'events', '--field-selector', 'involvedObject.name=web']);
    expect(events).toContain('Started container web');
    await kubectl.ok(['delete', 'pod', 'web', '--timeout=30s']);
    expect((await kubectl.run(['get', 'pod', 'web'])).stderr).toContain('pods "web" not found');
  });

  it('finishes a run-to-completion pod as Succeeded/Completed', async () => {
    await kubectl.ok(['run', 'once', '--image=busybox', '--restart=Never', '--', 'true']);
    const pod = await waitFor('once Succeeded', async () => {
      const p = await getJson<PodJson>(['get', 'pod', 'once']);
      return p.status.phase === 'Succeeded' ? p : undefined;
    });
    expect(pod.status.containerStatuses?.[0]?.['state']).toMatchObject({ terminated: { exitCode: 0, reason: 'Completed' } });
    expect(await kubectl.ok(['get', 'pod', 'once'])).toMatch(/once\s+0\/1\s+Completed\s+0/);
  });

  it('runs many simulated nodes in one process for scale tests', async () => {
    startKubelet('sim', ['--runtime=simulated', '--kubeconfig', cp.adminConf, '--simulated-node-count', '3', '--node-name-prefix', 'sim-', '--node-ip', '127.0.1.1']);
    const names = await waitFor('3 sim nodes', async () => {
      const out = await kubectl.ok(['get', 'nodes', '-l', 'type=simulated', '-o', 'name']);
      const sims = out.split('\n').filter((l) => l.startsWith('node/sim-'));
      return sims.length === 3 ? sims : undefined;
    });
    expect(names).toEqual(['node/sim-0', 'node/sim-1', 'node/sim-2']);
    expect((await kubectl.ok(['get', 'node', 'sim-2', '-o', 'jsonpath={.status.addresses[0].address}'])).trim()).toBe('127.0.1.3');
    await stopKubelet('sim');
  });

  it('leaves a deleted pod Terminating while its kubelet is stopped, and its lease stops renewing', async () => {
    await kubectl.ok(['apply', '-f', '-'], {
      stdin: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pinned' }, spec: { nodeName: 'worker03', containers: [{ name: 'c', image: 'nginx' }] } }),
    });
    await waitFor('pinned Running', async () => ((await getJson<PodJson>(['get', 'pod', 'pinned'])).status.phase === 'Running' ? true : undefined));
    await stopKubelet('worker03');
    const renewTime = async (name: string): Promise<string> => (await kubectl.ok(['get', 'lease', '-n', 'kube-node-lease', name, '-o', 'jsonpath={.spec.renewTime}'])).trim();
    const stopped = await renewTime('worker03');
    const alive = await renewTime('worker01');
    await kubectl.ok(['delete', 'pod', 'pinned', '--wait=false']);
    await new Promise((r) => setTimeout(r, 12_000));
    expect(await renewTime('worker03')).toBe(stopped);
    expect(await renewTime('worker01')).not.toBe(alive);
    expect(await kubectl.ok(['get', 'pod', 'pinned'])).toMatch(/pinned\s+1\/1\s+Terminating/);
    // Started again, the kubelet adopts the pod and finishes its deletion.
    startKubelet('worker03', kubelets.get('worker03')?.args ?? []);
    await waitFor('pinned gone', async () => ((await kubectl.run(['get', 'pod', 'pinned'])).code !== 0 ? true : undefined));
  });
});

import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import type { Kubelet } from '../kubelet.js';
import type { ContainerConfig, ContainerRuntimeStatus, PodSandboxConfig, PodSandboxStatus, RuntimeService } from '../runtime/types.js';
import { KubeletMetrics, kubeletMetricsFor } from './kubelet-metrics.js';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const pod: Pod = {
  metadata: { name: 'web', namespace: 'default', uid: 'uid-1' },
  spec: { initContainers: [{ name: 'setup', image: 'busybox' }], containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'busybox' }] },
};

/** fakeRuntime is a RuntimeService whose timed calls succeed (stopContainer fails) and whose lists are set by the test. */
function fakeRuntime() {
  const state = { sandboxes: [] as PodSandboxStatus[], containers: [] as ContainerRuntimeStatus[], calls: 0 };
  const runtime = {
    runPodSandbox: async (c: PodSandboxConfig) => `sb-${c.metadata.uid}`,
    createContainer: async (_sb: string, c: ContainerConfig) => `ctr-${c.name}-${c.attempt}`,
    startContainer: async () => undefined,
    stopContainer: async () => {
      throw new Error('runc kill: no such process');
    },
    listPodSandboxes: async () => {
      state.calls++;
      return state.sandboxes;
    },
    listContainers: async () => state.containers,
  };
  return { runtime: runtime as unknown as RuntimeService, state };
}

function sandboxConfig(p: Pod): PodSandboxConfig {
  return { metadata: { name: p.metadata?.name ?? '', namespace: 'default', uid: p.metadata?.uid ?? '', attempt: 0 }, pod: p } as PodSandboxConfig;
}

function containerConfig(name: string, attempt = 0): ContainerConfig {
  return { name, attempt } as ContainerConfig;
}

describe('KubeletMetrics', () => {
  it('times pod starts from the first sandbox until every regular container started, once per pod', async () => {
    const { runtime } = fakeRuntime();
    let now = 1_000_000;
    const m = new KubeletMetrics(runtime, { defaultMetrics: false, now: () => now });
    m.attach({ nodeName: 'n1', runtime, pods: () => [pod] } as unknown as Kubelet);
    const sb = await runtime.runPodSandbox(sandboxConfig(pod));
    const start = async (name: string, attempt = 0) => runtime.startContainer(await runtime.createContainer(sb, containerConfig(name, attempt), sandboxConfig(pod)));
    now += 500;
    await start('setup');
    now += 1_000;
    await start('a');
    let text = (await m.render()).body;
    expect(sample(text, 'kubelet_pod_start_duration_seconds_count')).toBe(0);
    now += 1_000;
    await start('b');
    // A restart of a container, and a new sandbox of the same pod, are not new pod starts.
    now += 60_000;
    await start('b', 1);
    await runtime.runPodSandbox(sandboxConfig(pod));
    text = (await m.render()).body;
    expect(sample(text, 'kubelet_pod_start_duration_seconds_count')).toBe(1);
    expect(sample(text, 'kubelet_pod_start_duration_seconds_sum')).toBe(2.5);
    expect(sample(text, 'kubelet_pod_start_duration_seconds_bucket{le="2"}')).toBe(0);
    expect(sample(text, 'kubelet_pod_start_duration_seconds_bucket{le="3"}')).toBe(1);
    expect(sample(text, 'kubelet_started_pods_total')).toBe(2);
    expect(sample(text, 'kubelet_started_containers_total{container_type="init_container"}')).toBe(1);
    expect(sample(text, 'kubelet_started_containers_total{container_type="container"}')).toBe(3);
  });

  it('counts runtime operations, their errors and durations by upstream operation type', async () => {
    const { runtime } = fakeRuntime();
    const m = new KubeletMetrics(runtime, { defaultMetrics: false });
    await runtime.runPodSandbox(sandboxConfig(pod));
    await runtime.startContainer('x');
    await runtime.startContainer('y');
    await expect(runtime.stopContainer('x', 10)).rejects.toThrow('no such process');
    const text = (await m.render()).body;
    expect(sample(text, 'kubelet_runtime_operations_total{operation_type="run_podsandbox"}')).toBe(1);
    expect(sample(text, 'kubelet_runtime_operations_total{operation_type="start_container"}')).toBe(2);
    expect(sample(text, 'kubelet_runtime_operations_errors_total{operation_type="stop_container"}')).toBe(1);
    expect(sample(text, 'kubelet_runtime_operations_duration_seconds_count{operation_type="stop_container"}')).toBe(1);
    // Reading the gauges does not count as runtime operations.
    expect(text).not.toContain('operation_type="list_podsandbox"');
  });

  it("reports the node name and the running pods and containers of the kubelet's pods only", async () => {
    const { runtime, state } = fakeRuntime();
    const m = new KubeletMetrics(runtime, { defaultMetrics: false });
    m.attach({ nodeName: 'worker01', runtime, pods: () => [pod] } as unknown as Kubelet);
    const sandbox = (uid: string, id: string, ready: boolean): PodSandboxStatus => ({ id, metadata: { name: uid, namespace: 'default', uid, attempt: 0 }, state: ready ? 'ready' : 'notready', createdAt: 0 });
    state.sandboxes = [sandbox('uid-1', 'sb1', true), sandbox('uid-1', 'sb0', false), sandbox('gone', 'sb9', true)];
    const ctr = (id: string, sb: string, s: ContainerRuntimeStatus['state']) => ({ id, podSandboxId: sb, state: s }) as ContainerRuntimeStatus;
    state.containers = [ctr('1', 'sb1', 'running'), ctr('2', 'sb1', 'running'), ctr('3', 'sb0', 'exited'), ctr('4', 'sb9', 'running')];
    const text = (await m.render()).body;
    expect(sample(text, 'kubelet_node_name{node="worker01"}')).toBe(1);
    expect(sample(text, 'kubelet_running_pods')).toBe(1);
    expect(sample(text, 'kubelet_running_containers{container_state="running"}')).toBe(2);
    expect(sample(text, 'kubelet_running_containers{container_state="exited"}')).toBe(1);
    expect(sample(text, 'kubelet_running_containers{container_state="created"}')).toBe(0);
  });

  it('instruments a runtime once however many kubelets share it', async () => {
    const { runtime } = fakeRuntime();
    const a = kubeletMetricsFor({ nodeName: 'sim-0', runtime, pods: () => [] } as unknown as Kubelet);
    const b = kubeletMetricsFor({ nodeName: 'sim-1', runtime, pods: () => [] } as unknown as Kubelet);
    expect(b).toBe(a);
    await runtime.startContainer('x');
    const text = (await a.render()).body;
    expect(sample(text, 'kubelet_runtime_operations_total{operation_type="start_container"}')).toBe(1);
    expect(sample(text, 'kubelet_node_name{node="sim-1"}')).toBe(1);
    expect(text).toContain('process_cpu_seconds_total');
  });
});

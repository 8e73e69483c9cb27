import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../__tests__/fake-clock.js';
import type { ContainerConfig, PodSandboxConfig } from '../types.js';
import { SimulatedPodNetwork } from './network.js';
import { SimulatedRuntime, simulatedUsage } from './runtime.js';

function sandboxConfig(pod: Pod): PodSandboxConfig {
  const m = pod.metadata ?? {};
  return {
    metadata: { name: m.name ?? '', namespace: m.namespace ?? '', uid: m.uid ?? '', attempt: 0 },
    hostname: m.name ?? '',
    logDirectory: '/tmp',
    hostNetwork: true,
    labels: {},
    annotations: {},
    pod,
  };
}

const container = { name: 'app', attempt: 0, imageRef: 'nginx', image: { id: 'sha256:1', repoDigests: [] } } as unknown as ContainerConfig;

describe('simulated container stats', () => {
  it('reads usage from the pod annotations, falling back to an idle default', () => {
    expect(simulatedUsage(undefined)).toEqual({ nanoCores: 1_000_000, memoryBytes: 4 << 20 });
    const pod: Pod = { metadata: { annotations: { 'simulated.nanokube.io/cpu-usage': '250m', 'simulated.nanokube.io/memory-usage': '64Mi' } } };
    expect(simulatedUsage(pod)).toEqual({ nanoCores: 250_000_000, memoryBytes: 64 << 20 });
    expect(simulatedUsage({ metadata: { annotations: { 'simulated.nanokube.io/cpu-usage': 'lots' } } }).nanoCores).toBe(1_000_000);
  });

  it('integrates CPU time at the current rate and follows annotation changes', async () => {
    const clock = new FakeClock();
    const rt = new SimulatedRuntime({ network: new SimulatedPodNetwork(), jobDurationMs: 1000, clock });
    const pod: Pod = { metadata: { name: 'p', namespace: 'default', uid: 'u1', annotations: { 'simulated.nanokube.io/cpu-usage': '500m' } }, spec: { containers: [] } };
    const cfg = sandboxConfig(pod);
    const sb = await rt.runPodSandbox(cfg);
    const id = await rt.createContainer(sb, container, cfg);
    await rt.startContainer(id);
    await clock.advance(10_000);
    const [s1] = await rt.stats();
    expect(s1).toMatchObject({ containerId: id, usageNanoCores: 500_000_000, cpuUsageCoreNanoSeconds: 5e9, memoryWorkingSetBytes: 4 << 20 });

    rt.observePods([{ ...pod, metadata: { ...pod.metadata, annotations: { 'simulated.nanokube.io/cpu-usage': '100m' } } }]);
    await clock.advance(10_000);
    const [s2] = await rt.stats();
    expect(s2).toMatchObject({ usageNanoCores: 100_000_000, cpuUsageCoreNanoSeconds: 6e9 });
    expect(rt.systemUsage()).toMatchObject({ usageNanoCores: 40_000_000, memoryWorkingSetBytes: 320 << 20, cpuUsageCoreNanoSeconds: 0.8e9 });
  });
});

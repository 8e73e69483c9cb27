import type { ConfigMap, Pod } from 'kubernetes-types/core/v1.js';
import { createLogger } from '@nanokube/component-base';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../__tests__/fake-clock.js';
import { SimulatedImageService } from '../runtime/simulated/images.js';
import { SimulatedPodNetwork } from '../runtime/simulated/network.js';
import { SimulatedRuntime } from '../runtime/simulated/runtime.js';
import type { ContainerConfig } from '../runtime/types.js';
import { generatePodStatus } from '../status/generate.js';
import { VolumeManager, type PodSources } from '../volumes/index.js';
import { Backoff } from './backoff.js';
import { getPodRuntimeStatus, PodSyncer } from './sync-pod.js';

const log = createLogger({ component: 'test', level: 'silent', pretty: false });

async function setup(opts: { failed?: Set<string> } = {}) {
  const clock = new FakeClock();
  const network = new SimulatedPodNetwork();
  await network.configure({ podCIDR: '10.244.1.0/24' });
  const order: string[] = [];
  const configs: ContainerConfig[] = [];
  const runtime = new (class extends SimulatedRuntime {
    override async exec(id: string, cmd: string[]): Promise<number> {
      order.push(`exec ${cmd.join(' ')} in ${id.slice(0, 6)}`);
      return 0;
    }
    override async stopContainer(id: string, timeout: number): Promise<void> {
      order.push(`stop ${id.slice(0, 6)} ${timeout}`);
      return super.stopContainer(id, timeout);
    }
    override async createContainer(...args: Parameters<SimulatedRuntime['createContainer']>): Promise<string> {
      configs.push(args[1]);
      return super.createContainer(...args);
    }
  })({ network, jobDurationMs: 1000, clock });
  const configMaps: ConfigMap[] = [];
  const sources: PodSources = {
    configMap: async (_ns, name) => configMaps.find((c) => c.metadata?.name === name),
    secret: async () => undefined,
    services: async () => [],
    persistentVolumeClaim: async () => undefined,
    persistentVolume: async () => undefined,
    serviceAccountToken: async () => ({ token: 't', expiresAt: 0 }),
  };
  const events: string[] = [];
  const reasons = new Map();
  const syncer = new PodSyncer({
    runtime,
    images: new SimulatedImageService(),
    recorder: { event: (_t, type, reason, message) => events.push(`${type} ${reason} ${message}`) },
    log,
    now: () => clock.now(),
    podLogsDir: '/tmp/pods',
    backoff: new Backoff(() => clock.now()),
    reasons,
    sources,
    volumes: new VolumeManager({ sources, nodeAllocatable: () => ({}), now: () => clock.now(), log }),
    nodeIp: '10.0.0.1',
    probeFailed: (_uid, id) => (opts.failed?.has(id) ? 'liveness' : undefined),
    simulatedHooks: true,
  });
  const status = async (pod: Pod) =>
    generatePodStatus({
      pod,
      runtime: await getPodRuntimeStatus(runtime, pod.metadata?.uid ?? ''),
      runtimeName: 'simulated',
      nodeIp: '10.0.0.1',
      reasons: reasons.get(pod.metadata?.uid ?? '') ?? new Map(),
      ready: () => undefined,
      started: () => undefined,
      podIsTerminal: false,
      now: clock.now(),
    });
  return { syncer, runtime, order, events, configMaps, status, configs };
}

const base = (spec: Pod['spec']): Pod => ({ metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: { nodeName: 'w1', ...spec, containers: spec?.containers ?? [] } });

describe('PodSyncer with volumes, env and hooks', () => {
  it('holds the pod in ContainerCreating with FailedMount until the configMap exists', async () => {
    const s = await setup();
    const pod = base({ volumes: [{ name: 'cfg', configMap: { name: 'app' } }], containers: [{ name: 'c', image: 'nginx', volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }] }] });
    expect(await s.syncer.syncPod(pod)).toEqual({ requeueAfterMs: 2000 });
    expect(await s.syncer.syncPod(pod)).toEqual({ requeueAfterMs: 4000 });
    expect(s.events).toEqual(Array(2).fill('Warning FailedMount MountVolume.SetUp failed for volume "cfg" : configmap "app" not found'));
    expect((await s.status(pod)).containerStatuses?.[0]?.state).toEqual({ waiting: { reason: 'ContainerCreating' } });
    s.configMaps.push({ metadata: { name: 'app' }, data: { k: 'v' } });
    await s.syncer.syncPod(pod);
    expect((await s.status(pod)).containerStatuses?.[0]?.state?.running).toBeDefined();
    expect(s.configs[0]?.mounts).toEqual([{ containerPath: '/etc/app', hostPath: '', readOnly: true }]);
  });

  it('reports CreateContainerConfigError for a missing configMap key reference, and passes env on', async () => {
    const s = await setup();
    const pod = base({ containers: [{ name: 'c', image: 'nginx', env: [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }, { name: 'X', valueFrom: { configMapKeyRef: { name: 'app', key: 'k' } } }] }] });
    expect(await s.syncer.syncPod(pod)).toEqual({ requeueAfterMs: 10_000 });
    const st = (await s.status(pod)).containerStatuses?.[0]?.state;
    expect(st).toEqual({ waiting: { reason: 'CreateContainerConfigError', message: 'configmap "app" not found' } });
    expect(s.events).toContain('Warning Failed Error: configmap "app" not found');
    s.configMaps.push({ metadata: { name: 'app' }, data: { k: 'v' } });
    await s.syncer.syncPod(pod);
    expect(s.configs[0]?.env).toEqual([{ name: 'IP', value: expect.stringMatching(/^10\.244\.1\.\d+$/) }, { name: 'X', value: 'v' }]);
  });

  it('runs postStart after start, and preStop before the stop signal with the rest of the grace period', async () => {
    const s = await setup();
    const pod = base({
      terminationGracePeriodSeconds: 20,
      containers: [{ name: 'c', image: 'nginx', lifecycle: { postStart: { exec: { command: ['post'] } }, preStop: { exec: { command: ['pre'] } } } }],
    });
    await s.syncer.syncPod(pod);
    const [c] = await s.runtime.listContainers({ podUid: 'u1' });
    const id = (c?.id ?? '').slice(0, 6);
    expect(s.order).toEqual([`exec post in ${id}`]);
    await s.syncer.killPod(pod, 20);
    expect(s.order).toEqual([`exec post in ${id}`, `exec pre in ${id}`, `stop ${id} 20`]);
    expect(s.events.filter((e) => e.includes('Killing'))).toEqual(['Normal Killing Stopping container c']);
  });

  it('restarts a container whose liveness probe failed, with upstream events', async () => {
    const failed = new Set<string>();
    const s = await setup({ failed });
    const pod = base({ terminationGracePeriodSeconds: 7, containers: [{ name: 'web', image: 'nginx', livenessProbe: { httpGet: { port: 80 } } }] });
    await s.syncer.syncPod(pod);
    const [first] = await s.runtime.listContainers({ podUid: 'u1' });
    failed.add(first?.id ?? '');
    expect(await s.syncer.syncPod(pod)).toEqual({ requeueAfterMs: 0 });
    expect(s.events).toContain('Normal Killing Container web failed liveness probe, will be restarted');
    expect(s.order).toEqual([`stop ${(first?.id ?? '').slice(0, 6)} 7`]);
    await s.syncer.syncPod(pod);
    const st = (await s.status(pod)).containerStatuses?.[0];
    expect(st?.restartCount).toBe(1);
    expect(st?.state?.running).toBeDefined();
  });
});

import type { Pod } from 'kubernetes-types/core/v1.js';
import { createLogger } from '@nanokube/component-base';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../__tests__/fake-clock.js';
import { Backoff } from '../pod-workers/backoff.js';
import { getPodRuntimeStatus, PodSyncer } from '../pod-workers/sync-pod.js';
import { SimulatedImageService } from '../runtime/simulated/images.js';
import { SimulatedPodNetwork } from '../runtime/simulated/network.js';
import { SimulatedRuntime } from '../runtime/simulated/runtime.js';
import { generatePodStatus } from './generate.js';
import { StatusManager, type PodClient } from './status-manager.js';

const log = createLogger({ component: 'test', level: 'silent', pretty: false });

function recordingPods() {
  const calls: { verb: string; name: string; body: unknown }[] = [];
  const client: PodClient = {
    inNamespace: () => client as never,
    patch: async (name, _type, body) => {
      calls.push({ verb: 'patch', name, body });
      return {} as Pod;
    },
    delete: async (name, opts) => {
      calls.push({ verb: 'delete', name, body: opts });
      return {} as Pod;
    },
  } as PodClient;
  return { client, calls };
}

describe('graceful deletion', () => {
  it('stops the containers, reports a terminal phase, then deletes with grace 0 and the UID precondition', async () => {
    const clock = new FakeClock();
    const network = new SimulatedPodNetwork();
    await network.configure({ podCIDR: '10.244.1.0/24' });
    const runtime = new SimulatedRuntime({ network, jobDurationMs: 1000, clock });
    const reasons = new Map();
    const syncer = new PodSyncer({
      runtime, images: new SimulatedImageService(), recorder: { event: () => {} }, log, now: () => clock.now(),
      podLogsDir: '/tmp/pods', backoff: new Backoff(() => clock.now()), reasons,
    });
    const pods = recordingPods();
    const status = new StatusManager({ pods: pods.client, log, now: () => clock.now() });
    const pod: Pod = { metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: { nodeName: 'w1', containers: [{ name: 'web', image: 'nginx' }] } };
    const statusOf = async (p: Pod, podIsTerminal: boolean) =>
      generatePodStatus({ pod: p, runtime: await getPodRuntimeStatus(runtime, 'u1'), runtimeName: 'simulated', nodeIp: '10.0.0.1', reasons: new Map(), ready: () => undefined, started: () => undefined, podIsTerminal, now: clock.now() });

    // 1. The pod runs.
    await syncer.syncPod(pod);
    expect((await status.setPodStatus(pod, await statusOf(pod, false))).phase).toBe('Running');
    // 2. It is deleted: kill, report, delete.
    const deleting: Pod = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2025-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 } };
    await syncer.killPod(deleting, 30);
    const final = await status.setPodStatus(deleting, await statusOf(deleting, true));
    await status.deletePod(deleting);
    expect(final.phase).toBe('Succeeded');
    expect(final.containerStatuses?.[0]?.state).toMatchObject({ terminated: { exitCode: 0, reason: 'Completed' } });
    expect(pods.calls.map((c) => c.verb)).toEqual(['patch', 'patch', 'delete']);
    expect(pods.calls[2]).toEqual({ verb: 'delete', name: 'web', body: { gracePeriodSeconds: 0, preconditions: { uid: 'u1' } } });
    // The second patch clears `running` and sets `terminated` on the server.
    const patch = pods.calls[1]?.body as { metadata: { uid: string }; status: { containerStatuses: { state: Record<string, unknown> }[] } };
    expect(patch.metadata.uid).toBe('u1');
    expect(Object.keys(patch.status.containerStatuses[0]?.state ?? {})).toEqual(['terminated']);
    // 3. The IP went back to the pool.
    expect(network.status().ready).toBe(true);
    expect((await network.setUp({ name: 'x', namespace: 'default', uid: 'u2', netnsPath: '' })).ip).toBe('10.244.1.2');
  });

  it('lets a Job-like container exit 0 after the simulated duration', async () => {
    const clock = new FakeClock();
    const network = new SimulatedPodNetwork();
    await network.configure({ podCIDR: '10.244.1.0/24' });
    const runtime = new SimulatedRuntime({ network, jobDurationMs: 2000, clock });
    const died: string[] = [];
    runtime.subscribe((ev) => died.push(ev.type));
    const syncer = new PodSyncer({
      runtime, images: new SimulatedImageService(), recorder: { event: () => {} }, log, now: () => clock.now(),
      podLogsDir: '/tmp/pods', backoff: new Backoff(() => clock.now()), reasons: new Map(),
    });
    await syncer.syncPod({ metadata: { name: 'j', namespace: 'default', uid: 'u9' }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } });
    await clock.advance(1999);
    expect(died).toEqual(['ContainerStarted']);
    await clock.advance(1);
    expect(died).toEqual(['ContainerStarted', 'ContainerDied']);
    expect((await runtime.listContainers({ podUid: 'u9' }))[0]).toMatchObject({ state: 'exited', exitCode: 0, reason: 'Completed' });
  });
});

import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import type { ContainerRuntimeStatus, PodRuntimeStatus } from '../runtime/types.js';
import { generatePodStatus, stampConditions, type PodStatusInput, type WaitingReason } from './generate.js';

const t0 = Date.parse('2025-01-01T00:00:00Z');

function pod(spec: Pod['spec'], status: Pod['status'] = {}): Pod {
  return { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec, status };
}

function ctr(name: string, over: Partial<ContainerRuntimeStatus> = {}): ContainerRuntimeStatus {
  return {
    id: `${name}-id`, podSandboxId: 'sb', name, attempt: 0, state: 'running', createdAt: t0, startedAt: t0, finishedAt: 0, exitCode: 0,
    image: 'docker.io/library/nginx:latest', imageId: 'docker.io/library/nginx@sha256:ab', ...over,
  };
}

function input(p: Pod, containers: ContainerRuntimeStatus[], over: Partial<PodStatusInput> = {}): PodStatusInput {
  const runtime: PodRuntimeStatus = { uid: 'u1', sandboxes: [{ id: 'sb', metadata: { name: 'p', namespace: 'default', uid: 'u1', attempt: 0 }, state: 'ready', createdAt: t0, ip: '10.244.1.2' }], containers };
  return { pod: p, runtime, runtimeName: 'simulated', nodeIp: '192.168.56.101', reasons: new Map(), ready: () => undefined, started: () => undefined, podIsTerminal: false, now: t0 + 5000, ...over };
}

describe('generatePodStatus', () => {
  it('reports a running pod Ready with its IP, host IP and container state', () => {
    const s = generatePodStatus(input(pod({ containers: [{ name: 'web', image: 'nginx' }] }), [ctr('web')]));
    expect(s.phase).toBe('Running');
    expect(s.podIP).toBe('10.244.1.2');
    expect(s.hostIP).toBe('192.168.56.101');
    expect(s.qosClass).toBe('BestEffort');
    expect(s.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual([
      'PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True',
    ]);
    expect(s.containerStatuses?.[0]).toMatchObject({
      name: 'web', ready: true, started: true, restartCount: 0, containerID: 'simulated://web-id',
      state: { running: { startedAt: '2025-01-01T00:00:00Z' } }, lastState: {},
    });
  });

  it('reports ContainerCreating and a Pending phase before the container exists', () => {
    const s = generatePodStatus(input(pod({ containers: [{ name: 'web', image: 'nginx' }] }), []));
    expect(s.phase).toBe('Pending');
    expect(s.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: 'ContainerCreating' } });
    expect(s.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [web]' });
  });

  it('shows CrashLoopBackOff with the dead container as last state and counts restarts', () => {
    const reasons = new Map<string, WaitingReason>([['web', { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=web pod=p_default(u1)' }]]);
    const dead = ctr('web', { attempt: 2, state: 'exited', exitCode: 1, finishedAt: t0 + 1000, reason: 'Error' });
    const s = generatePodStatus(input(pod({ containers: [{ name: 'web', image: 'nginx' }] }), [dead], { reasons }));
    expect(s.phase).toBe('Running');
    expect(s.containerStatuses?.[0]).toMatchObject({
      restartCount: 2,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: '2025-01-01T00:00:01Z' } },
    });
  });

  it('marks a run-to-completion pod Succeeded with PodCompleted conditions', () => {
    const done = ctr('job', { state: 'exited', exitCode: 0, finishedAt: t0 + 2000, reason: 'Completed' });
    const s = generatePodStatus(input(pod({ restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox' }] }), [done]));
    expect(s.phase).toBe('Succeeded');
    expect(s.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    expect(s.containerStatuses?.[0]?.state).toMatchObject({ terminated: { exitCode: 0, reason: 'Completed' } });
  });

  it('fails a restartPolicy=Never pod whose container exited non-zero', () => {
    const failed = ctr('job', { state: 'exited', exitCode: 3, finishedAt: t0 + 2000 });
    expect(generatePodStatus(input(pod({ restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox' }] }), [failed])).phase).toBe('Failed');
  });

  it('keeps the pod Pending and Initialized=False while an init container runs', () => {
    const p = pod({ initContainers: [{ name: 'setup', image: 'busybox' }], containers: [{ name: 'web', image: 'nginx' }] });
    const s = generatePodStatus(input(p, [ctr('setup')]));
    expect(s.phase).toBe('Pending');
    expect(s.conditions?.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [setup]' });
    expect(s.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: 'PodInitializing' } });
  });

  it('turns a deleted pod whose containers were stopped terminal', () => {
    const stopped = ctr('web', { state: 'exited', exitCode: 0, finishedAt: t0 + 3000, reason: 'Completed' });
    expect(generatePodStatus(input(pod({ containers: [{ name: 'web', image: 'nginx' }] }), [stopped], { podIsTerminal: true })).phase).toBe('Succeeded');
  });
});

describe('stampConditions', () => {
  it('keeps the transition time of an unchanged condition and moves it on a change', () => {
    const before = [
      { type: 'Ready', status: 'False', lastTransitionTime: '2024-12-31T00:00:00Z' },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: '2024-12-30T00:00:00Z' },
    ];
    const out = stampConditions([{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }], before, t0);
    expect(out.map((c) => c.lastTransitionTime)).toEqual(['2025-01-01T00:00:00Z', '2024-12-30T00:00:00Z']);
    expect(out[0]?.lastProbeTime).toBeNull();
  });
});

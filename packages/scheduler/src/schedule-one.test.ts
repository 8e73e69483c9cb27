import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { newConflict } from '@nanokube/api';
import { createMetricsRegistry, renderMetrics } from '@nanokube/component-base';
import { controlPlaneTaint, fakeListers, makeNode, makePod, makeReplicaSet, newCache, silentLog } from './__tests__/fixtures.js';
import type { Handle } from './framework/interfaces.js';
import { podKey } from './framework/pod-info.js';
import { SchedulerMetrics } from './internal/metrics.js';
import { Framework } from './framework/runtime.js';
import { buildProfile } from './plugins/registry.js';
import { SchedulingQueue } from './queue/scheduling-queue.js';
import { ScheduleAlgorithm } from './schedule-algorithm.js';
import { scheduleOne, type ScheduleOneDeps } from './schedule-one.js';

/** A lab cluster: a tainted master and three 2-CPU workers, plus fakes recording every API call. */
function lab(opts: { bind?: (ns: string, name: string) => Promise<unknown>; existing?: Pod[] } = {}) {
  const nodes = [
    makeNode('master', { taints: [controlPlaneTaint] }),
    makeNode('worker01'),
    makeNode('worker02'),
    makeNode('worker03'),
  ];
  const cache = newCache(nodes, opts.existing ?? []);
  const bindings: { pod: string; node: string }[] = [];
  const events: { type: string; reason: string; message: string; pod: string }[] = [];
  const patches: { pod: string; patch: unknown }[] = [];
  const deleted: string[] = [];
  const handle: Handle = {
    snapshot: cache,
    listers: fakeListers({ replicaSets: [makeReplicaSet('web-rs', 'web')] }),
    log: silentLog,
    binding: {
      bind: async (ns, name, b) => {
        if (opts.bind) await opts.bind(ns, name);
        bindings.push({ pod: `${ns}/${name}`, node: (b as { target: { name: string } }).target.name });
        return {};
      },
    },
  };
  const framework = new Framework('default-scheduler', buildProfile(handle), silentLog);
  handle.filterRunner = framework;
  const queue = new SchedulingQueue();
  const podsByKey = new Map<string, Pod>();
  const deps: ScheduleOneDeps = {
    queue,
    cache,
    framework,
    algorithm: new ScheduleAlgorithm(),
    recorder: { event: (t, type, reason, message) => events.push({ type, reason, message, pod: `${t.metadata?.namespace}/${t.metadata?.name}` }) },
    api: {
      patchPodStatus: async (ns, name, patch) => void patches.push({ pod: `${ns}/${name}`, patch }),
      deletePod: async (ns, name) => void deleted.push(`${ns}/${name}`),
    },
    getPod: (key) => podsByKey.get(key),
    log: silentLog,
    bindings: new Set(),
  };
  const submit = (pod: Pod): void => {
    podsByKey.set(podKey(pod), pod);
    queue.add(pod);
  };
  const settle = () => Promise.all([...(deps.bindings ?? [])]);
  return { deps, cache, queue, bindings, events, patches, deleted, submit, settle };
}

describe('scheduleOne', () => {
  it('reports FailedScheduling as upstream words it when the master is tainted and workers lack cpu', async () => {
    const c = lab();
    c.submit(makePod('big', { cpu: '3' }));
    await scheduleOne(c.deps);
    expect(c.events).toEqual([
      {
        type: 'Warning',
        reason: 'FailedScheduling',
        pod: 'default/big',
        message:
          '0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. ' +
          'preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.',
      },
    ]);
    expect(c.queue.pendingPods().unschedulable.map((p) => p.metadata?.name)).toEqual(['big']);
    await new Promise((r) => setImmediate(r));
    const cond = (c.patches[0]?.patch as { status: { conditions: { type: string; status: string; reason: string }[] } }).status.conditions[0];
    expect(cond).toMatchObject({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' });
  });

  it('spreads three replicas over the three workers, counting assumed pods before their binding lands', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const c = lab({ bind: () => gate });
    for (const n of ['web-1', 'web-2', 'web-3']) c.submit(makePod(n, { labels: { app: 'web' }, ownerReplicaSet: 'web-rs' }));
    for (let i = 0; i < 3; i++) await scheduleOne(c.deps);
    expect(c.bindings).toEqual([]);
    release();
    await c.settle();
    expect(new Set(c.bindings.map((b) => b.node))).toEqual(new Set(['worker01', 'worker02', 'worker03']));
    const scheduled = c.events.filter((e) => e.reason === 'Scheduled');
    expect(scheduled).toHaveLength(3);
    const web1 = c.bindings.find((b) => b.pod === 'default/web-1');
    expect(scheduled.find((e) => e.pod === 'default/web-1')?.message).toBe(`Successfully assigned default/web-1 to ${web1?.node}`);
  });

  it('drops a pod whose binding gets a Conflict and frees what it had assumed', async () => {
    const c = lab({ bind: () => Promise.reject(newConflict({ group: '', resource: 'pods' }, 'p', 'pod p is already assigned to node "worker02"')) });
    c.submit(makePod('p', { cpu: '1' }));
    await scheduleOne(c.deps);
    expect(c.cache.podCount()).toBe(1);
    await c.settle();
    expect(c.cache.podCount()).toBe(0);
    expect(c.queue.pendingPods()).toEqual({ active: [], backoff: [], unschedulable: [] });
  });

  it('preempts a lower-priority pod and nominates its node for the preemptor', async () => {
    const low = makePod('low', { cpu: '2', nodeName: 'worker01', priority: 0 });
    const c = lab({ existing: [low, makePod('mid2', { cpu: '2', nodeName: 'worker02', priority: 500 }), makePod('mid3', { cpu: '2', nodeName: 'worker03', priority: 500 })] });
    c.submit(makePod('urgent', { cpu: '1', priority: 100 }));
    await scheduleOne(c.deps);
    expect(c.deleted).toEqual(['default/low']);
    expect(c.events.map((e) => e.reason)).toEqual(['Preempted', 'FailedScheduling']);
    await new Promise((r) => setImmediate(r));
    expect((c.patches[0]?.patch as { status: { nominatedNodeName: string } }).status.nominatedNodeName).toBe('worker01');
  });
});

describe('scheduleOne metrics', () => {
  it('counts attempts by result in scheduler_schedule_attempts_total', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const c = lab();
    c.deps.metrics = new SchedulerMetrics(registry);
    c.submit(makePod('big', { cpu: '3' }));
    c.submit(makePod('small', { cpu: '1' }));
    await scheduleOne(c.deps);
    await scheduleOne(c.deps);
    await c.settle();
    const { body } = await renderMetrics(registry);
    expect(body).toMatch(/^scheduler_schedule_attempts_total{result="unschedulable",profile="default-scheduler"} 1$/m);
    expect(body).toMatch(/^scheduler_schedule_attempts_total{result="scheduled",profile="default-scheduler"} 1$/m);
    expect(body).toMatch(/^scheduler_scheduling_attempt_duration_seconds_count{result="scheduled",profile="default-scheduler"} 1$/m);
  });
});

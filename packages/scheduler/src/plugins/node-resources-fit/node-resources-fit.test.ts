import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state.js';
import { NodeInfo } from '../../framework/node-info.js';
import { newPodInfo, podInfoStateKey } from '../../framework/pod-info.js';
import { podRequests } from '../../framework/resource.js';
import { Code } from '../../framework/status.js';
import { makeNode, makePod } from '../../__tests__/fixtures.js';
import { create, reasonInsufficientCpu, reasonInsufficientMemory, reasonTooManyPods } from './index.js';

function nodeWith(pods: ReturnType<typeof makePod>[], opts: Parameters<typeof makeNode>[1] = {}): NodeInfo {
  const ni = new NodeInfo(makeNode('n', opts));
  for (const p of pods) ni.addPodInfo(newPodInfo(p));
  return ni;
}

describe('NodeResourcesFit filter', () => {
  it.each([
    { name: 'fits a pod with no requests on an empty node', pod: makePod('p'), existing: [], want: [] },
    { name: 'fits when requests plus used stay within allocatable', pod: makePod('p', { cpu: '1', memory: '1Gi' }), existing: [makePod('e', { cpu: '1' })], want: [] },
    { name: 'reports Insufficient cpu', pod: makePod('p', { cpu: '1500m' }), existing: [makePod('e', { cpu: '1' })], want: [reasonInsufficientCpu] },
    {
      name: 'reports every insufficient resource',
      pod: makePod('p', { cpu: '3', memory: '5Gi' }),
      existing: [],
      want: [reasonInsufficientCpu, reasonInsufficientMemory],
    },
    { name: 'counts pods against allocatable.pods even without requests', pod: makePod('p'), existing: [makePod('e')], want: [reasonTooManyPods], pods: 1 },
    { name: 'reports extended resources by name', pod: makePod('p', { spec: { containers: [{ name: 'c', resources: { requests: { 'example.com/gpu': '1' } } }] } }), existing: [], want: ['Insufficient example.com/gpu'] },
  ])('$name', ({ pod, existing, want, pods }) => {
    const plugin = create();
    const state = new CycleState();
    plugin.preFilter(state, pod, []);
    const s = plugin.filter(state, pod, nodeWith(existing, pods !== undefined ? { pods } : {}));
    expect(s?.reasons ?? []).toEqual(want);
    if (want.length) expect(s?.code).toBe(Code.Unschedulable);
  });
});

describe('pod requests', () => {
  it('takes the max of the init containers and the sum of the containers', () => {
    const pod = makePod('p', {
      spec: {
        initContainers: [
          { name: 'i1', resources: { requests: { cpu: '2', memory: '1G' } } },
          { name: 'i2', resources: { requests: { cpu: '2', memory: '3G' } } },
        ],
        containers: [
          { name: 'c1', resources: { requests: { cpu: '2', memory: '1G' } } },
          { name: 'c2', resources: { requests: { cpu: '1', memory: '1G' } } },
        ],
      },
    });
    const r = podRequests(pod);
    expect([r.milliCpu, r.memory]).toEqual([3000, 3e9]);
  });

  it('adds restartable init containers (sidecars) to the running sum', () => {
    const pod = makePod('p', {
      spec: {
        initContainers: [{ name: 'sidecar', restartPolicy: 'Always', resources: { requests: { cpu: '500m' } } }],
        containers: [{ name: 'c', resources: { requests: { cpu: '1' } } }],
      },
    });
    expect(podRequests(pod).milliCpu).toBe(1500);
  });

  it('uses 100m and 200Mi for containers without requests only when non-zero is asked for', () => {
    expect(podRequests(makePod('p')).milliCpu).toBe(0);
    const r = podRequests(makePod('p'), true);
    expect([r.milliCpu, r.memory]).toEqual([100, 200 * 1024 * 1024]);
  });
});

describe('NodeResourcesFit LeastAllocated score', () => {
  it('prefers the node with more free CPU and memory, counting empty pods with non-zero defaults', () => {
    const plugin = create();
    const pod = makePod('p');
    const state = new CycleState();
    state.write(podInfoStateKey, newPodInfo(pod));
    const idle = nodeWith([], { cpu: '4', memory: '8Gi' });
    const busy = nodeWith([makePod('e1'), makePod('e2')], { cpu: '4', memory: '8Gi' });
    const half = nodeWith([makePod('e', { cpu: '2', memory: '4Gi' })], { cpu: '4', memory: '8Gi' });
    // idle: cpu (4000-100)/4000 = 97, memory (8192-200)/8192 = 97 -> 97
    expect(plugin.score(state, pod, idle)).toBe(97);
    expect(plugin.score(state, pod, busy)).toBe(92);
    // half: cpu (4000-2100)/4000 = 47, memory (8192-4296)/8192 = 47
    expect(plugin.score(state, pod, half)).toBe(47);
  });
});

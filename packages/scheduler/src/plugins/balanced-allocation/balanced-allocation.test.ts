import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state.js';
import { NodeInfo } from '../../framework/node-info.js';
import { newPodInfo } from '../../framework/pod-info.js';
import { makeNode, makePod } from '../../__tests__/fixtures.js';
import { balancedScore, create } from './index.js';

describe('NodeResourcesBalancedAllocation', () => {
  it.each([
    { name: 'equal fractions score 100', req: [1000, 2000], alloc: [4000, 8000], want: 100 },
    { name: 'cpu 50% and memory 0% score 75', req: [2000, 0], alloc: [4000, 8000], want: 75 },
    { name: 'fractions are capped at 1', req: [8000, 0], alloc: [4000, 8000], want: 50 },
    { name: 'a resource with no allocatable is left out', req: [1000, 5], alloc: [4000, 0], want: 100 },
  ])('$name', ({ req, alloc, want }) => {
    expect(balancedScore(req, alloc)).toBe(want);
  });

  it('skips pods that request nothing', () => {
    expect(create().preScore(new CycleState(), makePod('p'), [])?.isSkip()).toBe(true);
  });

  it('scores a node by the fractions after adding the pod', () => {
    const plugin = create();
    const pod = makePod('p', { cpu: '1', memory: '1Gi' });
    const ni = new NodeInfo(makeNode('n', { cpu: '4', memory: '4Gi' }));
    ni.addPodInfo(newPodInfo(makePod('e', { cpu: '1' })));
    const state = new CycleState();
    expect(plugin.preScore(state, pod, [ni])).toBeUndefined();
    // cpu 2/4 = 0.5, memory 1/4 = 0.25 -> std 0.125 -> 87
    expect(plugin.score(state, pod, ni)).toBe(87);
  });
});

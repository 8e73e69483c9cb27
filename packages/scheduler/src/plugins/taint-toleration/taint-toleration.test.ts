import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state.js';
import { NodeInfo } from '../../framework/node-info.js';
import { Code } from '../../framework/status.js';
import { controlPlaneTaint, makeNode, makePod } from '../../__tests__/fixtures.js';
import { create } from './index.js';

describe('TaintToleration filter', () => {
  it.each<{ name: string; taints: Taint[]; tolerations?: Toleration[]; want?: string }>([
    { name: 'a pod without tolerations fits a node without taints', taints: [] },
    {
      name: "a pod without tolerations does not fit the control plane's NoSchedule taint",
      taints: [controlPlaneTaint],
      want: 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }',
    },
    { name: 'an Exists toleration for the key tolerates it', taints: [controlPlaneTaint], tolerations: [{ key: controlPlaneTaint.key, operator: 'Exists', effect: 'NoSchedule' }] },
    { name: 'an Equal toleration with the same value tolerates it', taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }], tolerations: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }] },
    {
      name: 'an Equal toleration with another value does not',
      taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' }],
      want: 'node(s) had untolerated taint {dedicated: user1}',
    },
    { name: 'an empty-key Exists toleration tolerates everything', taints: [controlPlaneTaint, { key: 'x', effect: 'NoExecute' }], tolerations: [{ operator: 'Exists' }] },
    { name: 'a PreferNoSchedule taint does not filter', taints: [{ key: 'x', effect: 'PreferNoSchedule' }] },
    {
      name: 'a toleration for another effect does not tolerate NoExecute',
      taints: [{ key: 'x', value: 'y', effect: 'NoExecute' }],
      tolerations: [{ key: 'x', value: 'y', effect: 'NoSchedule' }],
      want: 'node(s) had untolerated taint {x: y}',
    },
  ])('$name', ({ taints, tolerations, want }) => {
    const s = create().filter(new CycleState(), makePod('p', tolerations ? { tolerations } : {}), new NodeInfo(makeNode('n', { taints })));
    expect(s?.message()).toBe(want);
    if (want) expect(s?.code).toBe(Code.UnschedulableAndUnresolvable);
  });
});

describe('TaintToleration score', () => {
  it('ranks nodes with fewer untolerated PreferNoSchedule taints higher', () => {
    const plugin = create();
    const nodes = [
      new NodeInfo(makeNode('clean')),
      new NodeInfo(makeNode('one', { taints: [{ key: 'a', effect: 'PreferNoSchedule' }] })),
      new NodeInfo(makeNode('two', { taints: [{ key: 'a', effect: 'PreferNoSchedule' }, { key: 'b', effect: 'PreferNoSchedule' }] })),
      new NodeInfo(makeNode('tolerated', { taints: [{ key: 'c', effect: 'PreferNoSchedule' }] })),
    ];
    const pod = makePod('p', { tolerations: [{ key: 'c', operator: 'Exists', effect: 'PreferNoSchedule' }] });
    const state = new CycleState();
    plugin.preScore(state, pod, nodes);
    const scores = nodes.map((n) => ({ name: n.name, score: plugin.score(state, pod, n) }));
    plugin.normalizeScore?.(state, pod, scores);
    expect(scores.map((s) => s.score)).toEqual([100, 50, 0, 100]);
  });
});

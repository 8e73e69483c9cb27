import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state.js';
import { NodeInfo } from '../../framework/node-info.js';
import { Code } from '../../framework/status.js';
import { makeNode, makePod } from '../../__tests__/fixtures.js';
import { create, errReasonUnschedulable } from './index.js';

describe('NodeUnschedulable', () => {
  const tolerate = [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists' as const, effect: 'NoSchedule' as const }];
  it.each([
    { name: 'schedules a pod on a schedulable node', unschedulable: false, tolerations: undefined, want: undefined },
    { name: 'does not schedule a pod on a cordoned node', unschedulable: true, tolerations: undefined, want: Code.UnschedulableAndUnresolvable },
    { name: 'schedules a pod that tolerates the unschedulable taint on a cordoned node', unschedulable: true, tolerations: tolerate, want: undefined },
  ])('$name', ({ unschedulable, tolerations, want }) => {
    const s = create().filter(new CycleState(), makePod('p', tolerations ? { tolerations } : {}), new NodeInfo(makeNode('n', { unschedulable })));
    expect(s?.code).toBe(want);
    if (want) expect(s?.reasons).toEqual([errReasonUnschedulable]);
  });
});

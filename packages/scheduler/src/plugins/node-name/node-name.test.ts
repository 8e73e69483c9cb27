import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state.js';
import { NodeInfo } from '../../framework/node-info.js';
import { makeNode, makePod } from '../../__tests__/fixtures.js';
import { create, errReason } from './index.js';

describe('NodeName', () => {
  it.each([
    { name: 'accepts any node when the pod names none', nodeName: undefined, want: undefined },
    { name: 'accepts the node the pod names', nodeName: 'n1', want: undefined },
    { name: 'rejects a node the pod does not name', nodeName: 'n2', want: errReason },
  ])('$name', ({ nodeName, want }) => {
    const s = create().filter(new CycleState(), makePod('p', nodeName ? { spec: { nodeName } } : {}), new NodeInfo(makeNode('n1')));
    expect(s?.message()).toBe(want);
  });
});

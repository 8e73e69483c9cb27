import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state.js';
import { NodeInfo } from '../../framework/node-info.js';
import { newPodInfo } from '../../framework/pod-info.js';
import { makeNode, makePod } from '../../__tests__/fixtures.js';
import { create, errReason } from './index.js';

const withPort = (name: string, hostPort: number, hostIP?: string, protocol: 'TCP' | 'UDP' = 'TCP') =>
  makePod(name, { spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort, protocol, ...(hostIP ? { hostIP } : {}) }] }] } });

describe('NodePorts', () => {
  it.each([
    { name: 'fits when the node uses no ports', existing: [], want: undefined, pod: withPort('p', 8080) },
    { name: 'rejects the same port and protocol', existing: [withPort('e', 8080)], want: errReason, pod: withPort('p', 8080) },
    { name: 'fits another protocol on the same port', existing: [withPort('e', 8080, undefined, 'UDP')], want: undefined, pod: withPort('p', 8080) },
    { name: 'fits different specific IPs', existing: [withPort('e', 8080, '127.0.0.1')], want: undefined, pod: withPort('p', 8080, '127.0.0.2') },
    { name: 'rejects a wildcard against a specific IP', existing: [withPort('e', 8080, '127.0.0.1')], want: errReason, pod: withPort('p', 8080) },
  ])('$name', ({ existing, pod, want }) => {
    const ni = new NodeInfo(makeNode('n'));
    for (const e of existing) ni.addPodInfo(newPodInfo(e));
    const plugin = create();
    const state = new CycleState();
    plugin.preFilter(state, pod, []);
    expect(plugin.filter(state, pod, ni)?.message()).toBe(want);
  });

  it('skips its filter for pods without host ports', () => {
    expect(create().preFilter(new CycleState(), makePod('p'), [])?.status?.isSkip()).toBe(true);
  });
});

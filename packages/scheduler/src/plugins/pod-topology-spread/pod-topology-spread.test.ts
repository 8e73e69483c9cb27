import type { TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state.js';
import { fakeListers, makeNode, makePod, makeReplicaSet, newCache, newHandle } from '../../__tests__/fixtures.js';
import { create, errReasonConstraintsNotMatch, errReasonNodeLabelNotMatch } from './index.js';

const zoneNodes = () => [
  makeNode('n1', { labels: { zone: 'a' } }),
  makeNode('n2', { labels: { zone: 'a' } }),
  makeNode('n3', { labels: { zone: 'b' } }),
  makeNode('nolabel'),
];
const hard = (maxSkew: number, topologyKey = 'zone'): TopologySpreadConstraint => ({
  maxSkew,
  topologyKey,
  whenUnsatisfiable: 'DoNotSchedule',
  labelSelector: { matchLabels: { app: 'web' } },
});
const web = (name: string, nodeName?: string) => makePod(name, { labels: { app: 'web' }, ...(nodeName ? { nodeName } : {}) });

describe('PodTopologySpread filter', () => {
  it.each([
    { name: 'allows any zone while no pod matches yet', existing: [], maxSkew: 1, want: [undefined, undefined, undefined, errReasonNodeLabelNotMatch] },
    {
      name: 'rejects the zone that would exceed maxSkew',
      existing: [web('a', 'n1')],
      maxSkew: 1,
      want: [errReasonConstraintsNotMatch, errReasonConstraintsNotMatch, undefined, errReasonNodeLabelNotMatch],
    },
    {
      name: 'accepts a larger skew when maxSkew allows it',
      existing: [web('a', 'n1'), web('b', 'n2')],
      maxSkew: 3,
      want: [undefined, undefined, undefined, errReasonNodeLabelNotMatch],
    },
    {
      name: 'ignores pods the selector does not match',
      existing: [makePod('other', { labels: { app: 'db' }, nodeName: 'n1' }), makePod('o2', { labels: { app: 'db' }, nodeName: 'n2' })],
      maxSkew: 1,
      want: [undefined, undefined, undefined, errReasonNodeLabelNotMatch],
    },
  ])('$name', ({ existing, maxSkew, want }) => {
    const cache = newCache(zoneNodes(), existing);
    const plugin = create(undefined, newHandle(cache));
    const pod = makePod('p', { labels: { app: 'web' }, spec: { topologySpreadConstraints: [hard(maxSkew)] } });
    const state = new CycleState();
    plugin.preFilter(state, pod, cache.list());
    expect(cache.list().map((ni) => plugin.filter(state, pod, ni)?.message())).toEqual(want);
  });
});

describe('PodTopologySpread default spreading', () => {
  const workers = () => [makeNode('worker01'), makeNode('worker02'), makeNode('worker03')];
  const replica = (name: string, nodeName?: string) =>
    makePod(name, { labels: { app: 'web' }, ownerReplicaSet: 'web-rs', ...(nodeName ? { nodeName } : {}) });

  function scores(existing: ReturnType<typeof makePod>[], withRs = true): number[] {
    const cache = newCache(workers(), existing);
    const plugin = create(undefined, newHandle(cache, fakeListers({ replicaSets: withRs ? [makeReplicaSet('web-rs', 'web')] : [] })));
    const pod = replica('new');
    const state = new CycleState();
    const pre = plugin.preScore(state, pod, cache.list());
    if (pre?.isSkip()) return [];
    const s = cache.list().map((ni) => ({ name: ni.name, score: plugin.score(state, pod, ni) }));
    plugin.normalizeScore?.(state, pod, s);
    return s.map((x) => x.score);
  }

  it('prefers workers without a replica of the same ReplicaSet', () => {
    expect(scores([replica('r1', 'worker01')])).toEqual([50, 100, 100]);
    expect(scores([replica('r1', 'worker01'), replica('r2', 'worker02')])).toEqual([50, 50, 100]);
  });

  it('scores every node alike when no replica runs yet', () => {
    expect(scores([])).toEqual([100, 100, 100]);
  });

  it('skips pods that no workload owns or selects', () => {
    expect(scores([replica('r1', 'worker01')], false)).toEqual([]);
  });
});

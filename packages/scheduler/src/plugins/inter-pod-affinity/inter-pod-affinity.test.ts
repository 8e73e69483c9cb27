import type { Affinity } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state.js';
import { makeNode, makePod, newCache, newHandle } from '../../__tests__/fixtures.js';
import { create, errReasonAffinityRulesNotMatch, errReasonAntiAffinityRulesNotMatch, errReasonExistingAntiAffinityRulesNotMatch } from './index.js';

const term = (app: string, topologyKey = 'kubernetes.io/hostname') => ({ labelSelector: { matchLabels: { app } }, topologyKey });
const affinity = (app: string): Affinity => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term(app)] } });
const antiAffinity = (app: string, key?: string): Affinity => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term(app, key)] } });

function filterAll(pod: ReturnType<typeof makePod>, existing: ReturnType<typeof makePod>[]) {
  const nodes = [makeNode('n1', { labels: { zone: 'a' } }), makeNode('n2', { labels: { zone: 'a' } }), makeNode('n3', { labels: { zone: 'b' } })];
  const cache = newCache(nodes, existing);
  const plugin = create(undefined, newHandle(cache));
  const state = new CycleState();
  const pre = plugin.preFilter(state, pod, cache.list());
  if (pre?.status?.isSkip()) return cache.list().map(() => undefined);
  return cache.list().map((ni) => plugin.filter(state, pod, ni)?.message());
}

describe('InterPodAffinity filter', () => {
  it('lets a pod without terms go anywhere when no pod has anti-affinity', () => {
    expect(filterAll(makePod('p'), [makePod('e', { nodeName: 'n1' })])).toEqual([undefined, undefined, undefined]);
  });

  it('requires a node in the topology of a matching pod', () => {
    const got = filterAll(makePod('p', { spec: { affinity: affinity('db') } }), [makePod('db', { labels: { app: 'db' }, nodeName: 'n2' })]);
    expect(got).toEqual([errReasonAffinityRulesNotMatch, undefined, errReasonAffinityRulesNotMatch]);
  });

  it('lets the first pod of a self-affine group go anywhere', () => {
    const got = filterAll(makePod('p', { labels: { app: 'web' }, spec: { affinity: affinity('web') } }), []);
    expect(got).toEqual([undefined, undefined, undefined]);
  });

  it('keeps a pod away from the zone of a pod it is anti-affine to', () => {
    const got = filterAll(makePod('p', { spec: { affinity: antiAffinity('db', 'zone') } }), [makePod('db', { labels: { app: 'db' }, nodeName: 'n1' })]);
    expect(got).toEqual([errReasonAntiAffinityRulesNotMatch, errReasonAntiAffinityRulesNotMatch, undefined]);
  });

  it("honours existing pods' anti-affinity against the incoming pod", () => {
    const existing = makePod('e', { nodeName: 'n3', spec: { affinity: antiAffinity('web') } });
    const got = filterAll(makePod('p', { labels: { app: 'web' } }), [existing]);
    expect(got).toEqual([undefined, undefined, errReasonExistingAntiAffinityRulesNotMatch]);
  });
});

describe('InterPodAffinity score', () => {
  it('prefers nodes whose topology holds pods matching preferred affinity and avoids preferred anti-affinity', () => {
    const nodes = [makeNode('n1'), makeNode('n2'), makeNode('n3')];
    const cache = newCache(nodes, [makePod('cache', { labels: { app: 'cache' }, nodeName: 'n1' }), makePod('noisy', { labels: { app: 'noisy' }, nodeName: 'n3' })]);
    const plugin = create(undefined, newHandle(cache));
    const pod = makePod('p', {
      spec: {
        affinity: {
          podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term('cache') }] },
          podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term('noisy') }] },
        },
      },
    });
    const state = new CycleState();
    expect(plugin.preScore(state, pod, cache.list())).toBeUndefined();
    const scores = cache.list().map((ni) => ({ name: ni.name, score: plugin.score(state, pod, ni) }));
    plugin.normalizeScore?.(state, pod, scores);
    expect(scores.map((s) => s.score)).toEqual([100, 50, 0]);
  });
});

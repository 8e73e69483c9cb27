import type { Affinity } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state.js';
import { NodeInfo } from '../../framework/node-info.js';
import { makeNode, makePod } from '../../__tests__/fixtures.js';
import { create, errReasonPod } from './index.js';

const required = (...terms: object[]): Affinity => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });

describe('NodeAffinity filter', () => {
  it.each<{ name: string; nodeSelector?: Record<string, string>; affinity?: Affinity; labels: Record<string, string>; fits: boolean }>([
    { name: 'a pod without constraints fits', labels: {}, fits: true },
    { name: 'nodeSelector matches equal labels', nodeSelector: { disk: 'ssd' }, labels: { disk: 'ssd' }, fits: true },
    { name: 'nodeSelector rejects a different value', nodeSelector: { disk: 'ssd' }, labels: { disk: 'hdd' }, fits: false },
    { name: 'In matches one of the values', affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }), labels: { zone: 'b' }, fits: true },
    { name: 'NotIn rejects a listed value', affinity: required({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }), labels: { zone: 'a' }, fits: false },
    { name: 'DoesNotExist accepts a node without the label', affinity: required({ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }), labels: {}, fits: true },
    { name: 'Gt compares integers', affinity: required({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }), labels: { cores: '8' }, fits: true },
    {
      name: 'terms are ORed',
      affinity: required({ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { matchExpressions: [{ key: 'b', operator: 'Exists' }] }),
      labels: { b: '1' },
      fits: true,
    },
    { name: 'an empty term matches nothing', affinity: required({}), labels: { a: '1' }, fits: false },
    { name: 'matchFields metadata.name selects the node by name', affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n'] }] }), labels: {}, fits: true },
  ])('$name', ({ nodeSelector, affinity, labels, fits }) => {
    const pod = makePod('p', { spec: { ...(nodeSelector ? { nodeSelector } : {}), ...(affinity ? { affinity } : {}) } });
    const plugin = create();
    const state = new CycleState();
    plugin.preFilter(state, pod, []);
    const s = plugin.filter(state, pod, new NodeInfo(makeNode('n', { labels })));
    expect(s?.message()).toBe(fits ? undefined : errReasonPod);
  });

  it('narrows the nodes to those named by matchFields (DaemonSet pods)', () => {
    const pod = makePod('p', { spec: { affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['worker01'] }] }) } });
    expect([...(create().preFilter(new CycleState(), pod, [])?.nodeNames ?? [])]).toEqual(['worker01']);
  });
});

describe('NodeAffinity score', () => {
  it('scores by the weights of the matching preferred terms, normalised to 100', () => {
    const pod = makePod('p', {
      spec: {
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 2, preference: { matchExpressions: [{ key: 'a', operator: 'Exists' }] } },
              { weight: 6, preference: { matchExpressions: [{ key: 'b', operator: 'Exists' }] } },
            ],
          },
        },
      },
    });
    const plugin = create();
    const state = new CycleState();
    expect(plugin.preScore(state, pod, [])).toBeUndefined();
    const nodes = [makeNode('none'), makeNode('a', { labels: { a: '1' } }), makeNode('ab', { labels: { a: '1', b: '1' } })].map((n) => new NodeInfo(n));
    const scores = nodes.map((n) => ({ name: n.name, score: plugin.score(state, pod, n) }));
    plugin.normalizeScore?.(state, pod, scores);
    expect(scores.map((s) => s.score)).toEqual([0, 25, 100]);
  });
});

import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { CalculationError, defaultCalculatorSettings, getResourceReplicas, type PodMetric } from './replica-calculator.js';

const now = Date.parse('2026-01-01T01:00:00Z');
const longAgo = '2026-01-01T00:00:00Z';

function pod(name: string, opts: { request?: string; phase?: string; ready?: boolean; start?: string; readySince?: string; deleted?: boolean } = {}): Pod {
  return {
    metadata: { name, namespace: 'default', ...(opts.deleted ? { deletionTimestamp: longAgo } : {}) },
    spec: { containers: [{ name: 'app', ...(opts.request === '' ? {} : { resources: { requests: { cpu: opts.request ?? '100m' } } }) }] },
    status: {
      phase: opts.phase ?? 'Running',
      startTime: opts.start ?? longAgo,
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: opts.readySince ?? longAgo }],
    },
  };
}

function metrics(values: Record<string, number>): Map<string, PodMetric> {
  return new Map(Object.entries(values).map(([n, v]) => [n, { timestamp: now - 1000, windowMs: 10_000, value: v }]));
}

const calc = (currentReplicas: number, pods: Pod[], m: Map<string, PodMetric>, targetUtilization = 50) =>
  getResourceReplicas({ currentReplicas, targetUtilization, resource: 'cpu', pods, metrics: m, settings: defaultCalculatorSettings, nowMs: now });

describe('getResourceReplicas', () => {
  it('scales by the usage ratio, rounding up', () => {
    const r = calc(2, [pod('a'), pod('b')], metrics({ a: 150, b: 150 }));
    expect(r).toMatchObject({ replicas: 6, utilization: 150, rawAverageValue: 150 });
  });

  it('keeps the count within the tolerance', () => {
    expect(calc(4, [pod('a'), pod('b'), pod('c'), pod('d')], metrics({ a: 54, b: 54, c: 54, d: 54 })).replicas).toBe(4);
    expect(calc(4, [pod('a'), pod('b'), pod('c'), pod('d')], metrics({ a: 56, b: 56, c: 56, d: 56 })).replicas).toBe(5);
  });

  it('treats missing pods as using their full request on scale-down', () => {
    // a,b at 10% ask for 1 (ceil(0.2*2)); c without metrics counts as 100%: (10+10+100)/300 = 40% -> ceil(0.8*3)=3.
    expect(calc(3, [pod('a'), pod('b'), pod('c')], metrics({ a: 10, b: 10 })).replicas).toBe(3);
  });

  it('treats missing pods as idle on scale-up and does not flip direction', () => {
    // a at 200% alone: ratio 4; with b at 0: (200)/200 = 100% -> ratio 2 -> ceil(2*2)=4.
    expect(calc(2, [pod('a'), pod('b')], metrics({ a: 200 })).replicas).toBe(4);
  });

  it('ignores deleted and failed pods and damps scale-up by unready ones', () => {
    const pods = [pod('a'), pod('b', { ready: false, start: '2026-01-01T00:59:00Z', readySince: '2026-01-01T00:59:00Z' }), pod('gone', { deleted: true })];
    // a at 100% (ratio 2) with b unready counted at 0: 100/200 = 50% -> ratio 1 -> no change.
    expect(calc(2, pods, metrics({ a: 100, b: 500, gone: 900 })).replicas).toBe(2);
  });

  it('needs a request on every container', () => {
    expect(() => calc(1, [pod('a', { request: '' })], metrics({ a: 10 }))).toThrow(CalculationError);
    expect(() => calc(1, [pod('a', { request: '' })], metrics({ a: 10 }))).toThrow('missing request for cpu in container app of Pod a');
  });

  it('fails without pods or without usable metrics', () => {
    expect(() => calc(1, [], metrics({}))).toThrow('no pods returned by selector while calculating replica count');
    expect(() => calc(1, [pod('a', { phase: 'Pending' })], metrics({ a: 10 }))).toThrow('did not receive metrics for targeted pods (pods might be unready)');
  });
});

import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { newNotFound } from '@nanokube/api';
import { resources } from '@nanokube/client';
import { newTestContext, settle, type Action } from '../../__tests__/fixture.js';
import { HorizontalController, horizontalPodAutoscalerControllerDescriptor } from './controller.js';

const longAgo = '2023-12-31T00:00:00Z';

function pod(name: string): Pod {
  return {
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '100m' } } }] },
    status: { phase: 'Running', startTime: longAgo, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: longAgo }] },
  };
}

function hpa(extra: Partial<HorizontalPodAutoscaler['spec']> = {}): HorizontalPodAutoscaler {
  return {
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      ...extra,
    },
  };
}

/** setup wires a Deployment `web` (its /scale) with `replicas` pods each using `usage` millicores. */
function setup(h: HorizontalPodAutoscaler, replicas: number, usage: { milli: number } | 'no-metrics-api') {
  const t = newTestContext();
  const c = new HorizontalController(t.ctx);
  c.hpaInformer.store.set(t.rest.seed(resources.horizontalpodautoscalers, h));
  const state = { replicas, usage, puts: [] as number[] };
  for (let i = 0; i < replicas; i++) c.podInformer.store.set(pod(`web-${i}`));
  t.rest.reactors.push((a: Action) => {
    if (a.resource === 'deployments' && a.subresource === 'scale') {
      if (a.verb === 'get') return { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: state.replicas }, status: { replicas: state.replicas, selector: 'app=web' } };
      const n = (a.body as { spec: { replicas: number } }).spec.replicas;
      state.puts.push(n);
      return a.body;
    }
    if (a.resource === 'pods' && a.verb === 'list') {
      if (state.usage === 'no-metrics-api') throw newNotFound({ group: 'metrics.k8s.io', resource: 'pods' }, '');
      const ts = new Date(t.clock.now() - 1000).toISOString();
      const milli = state.usage.milli;
      return { items: c.podInformer.store.list().map((p) => ({ metadata: { name: p.metadata?.name, namespace: 'default' }, timestamp: ts, window: '10s', containers: [{ name: 'app', usage: { cpu: `${milli}m`, memory: '4Mi' } }] })) };
    }
    return undefined;
  });
  const status = () => t.rest.get<HorizontalPodAutoscaler>('horizontalpodautoscalers', 'default', 'web')?.status;
  const cond = (type: string) => status()?.conditions?.find((x) => x.type === type);
  const sync = async (): Promise<void> => {
    const current = t.rest.get<HorizontalPodAutoscaler>('horizontalpodautoscalers', 'default', 'web');
    if (current) c.hpaInformer.store.set(current);
    await c.sync('default/web');
    await settle();
  };
  return { ...t, c, state, status, cond, sync };
}

describe('HorizontalController', () => {
  it('scales up through /scale within the default rate limit and reports status as upstream', async () => {
    const t = setup(hpa(), 2, { milli: 150 });
    await t.sync();
    // 150% against 50%: ratio 3 asks for 6, limited to max(2 x 2, 4) = 4.
    expect(t.state.puts).toEqual([4]);
    expect(t.status()).toMatchObject({
      currentReplicas: 2,
      desiredReplicas: 4,
      lastScaleTime: '2024-01-01T00:00:00Z',
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 150, averageValue: '150m' } } }],
    });
    expect(t.cond('AbleToScale')).toMatchObject({ status: 'True', reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 4' });
    expect(t.cond('ScalingActive')).toMatchObject({ status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' });
    expect(t.cond('ScalingLimited')).toMatchObject({ status: 'True', reason: 'ScaleUpLimit' });
    const events = t.rest.actions.filter((a) => a.resource === 'events' && a.verb === 'create').map((a) => (a.body as { reason: string; message: string }).message);
    expect(events).toContain('New size: 4; reason: cpu resource utilization (percentage of request) above target');
  });

  it('waits out the default 5-minute scale-down stabilization window', async () => {
    const t = setup(hpa(), 4, { milli: 10 });
    await t.sync();
    expect(t.state.puts).toEqual([]);
    expect(t.cond('AbleToScale')).toMatchObject({ status: 'True', reason: 'ScaleDownStabilized' });
    t.clock.ms += 301_000;
    await t.sync();
    // 10% of 50%: ceil(0.2 x 4) = 1.
    expect(t.state.puts).toEqual([1]);
  });

  it('scales down at once with a zero stabilization window in spec.behavior', async () => {
    const t = setup(hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } }), 4, { milli: 10 });
    await t.sync();
    expect(t.state.puts).toEqual([1]);
    expect(t.status()?.desiredReplicas).toBe(1);
  });

  it('keeps the count and says why when the metrics API does not answer', async () => {
    const t = setup(hpa(), 3, 'no-metrics-api');
    await t.sync();
    expect(t.state.puts).toEqual([]);
    expect(t.cond('ScalingActive')).toMatchObject({ status: 'False', reason: 'FailedGetResourceMetric' });
    expect(t.cond('ScalingActive')?.message).toMatch(/^the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu/);
    expect(t.status()?.currentMetrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', current: {} } }]);
  });

  it('brings the count into [min, max] without metrics', async () => {
    const t = setup(hpa({ maxReplicas: 2 }), 5, { milli: 50 });
    await t.sync();
    expect(t.state.puts).toEqual([2]);
  });
});

describe('horizontalPodAutoscalerControllerDescriptor', () => {
  it('builds the controller with the --horizontal-pod-autoscaler-* flags', () => {
    const t = newTestContext();
    t.ctx.options.horizontalPodAutoscaler = {
      syncPeriodMs: 2_000,
      downscaleStabilizationMs: 10_000,
      tolerance: 0.05,
      cpuInitializationPeriodMs: 0,
      initialReadinessDelayMs: 1_000,
    };
    const c = horizontalPodAutoscalerControllerDescriptor.create(t.ctx) as HorizontalController;
    expect(c.settings).toEqual({
      syncPeriodMs: 2_000,
      downscaleStabilizationMs: 10_000,
      tolerance: 0.05,
      cpuInitializationPeriodMs: 0,
      delayOfInitialReadinessStatusMs: 1_000,
    });
  });
});

import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '@nanokube/component-base';
import { SchedulerMetrics } from './metrics.js';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('SchedulerMetrics', () => {
  it('counts attempts by result and profile with their latency', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const m = new SchedulerMetrics(registry);
    m.attempt('scheduled', 0.003);
    m.attempt('scheduled', 0.005);
    m.attempt('unschedulable', 0.5);
    const text = await registry.metrics();
    expect(sample(text, 'scheduler_schedule_attempts_total{result="scheduled",profile="default-scheduler"}')).toBe(2);
    expect(sample(text, 'scheduler_schedule_attempts_total{result="unschedulable",profile="default-scheduler"}')).toBe(1);
    expect(sample(text, 'scheduler_scheduling_attempt_duration_seconds_bucket{le="0.004",result="scheduled",profile="default-scheduler"}')).toBe(1);
  });

  it('reports the pending pods of each sub-queue at scrape time', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const m = new SchedulerMetrics(registry);
    let text = await registry.metrics();
    expect(sample(text, 'scheduler_pending_pods{queue="active"}')).toBe(0);
    const queue = { active: [1, 2], backoff: [3], unschedulable: [4, 5, 6] };
    m.observeQueue(() => queue);
    text = await registry.metrics();
    expect(sample(text, 'scheduler_pending_pods{queue="active"}')).toBe(2);
    expect(sample(text, 'scheduler_pending_pods{queue="backoff"}')).toBe(1);
    expect(sample(text, 'scheduler_pending_pods{queue="unschedulable"}')).toBe(3);
    expect(sample(text, 'scheduler_pending_pods{queue="gated"}')).toBe(0);
  });
});

/**
 * kube-scheduler's scheduling metrics: `scheduler_schedule_attempts_total{result,profile}` and
 * `scheduler_scheduling_attempt_duration_seconds{result,profile}`, result being `scheduled`,
 * `unschedulable` or `error`.
 */
import { Counter, Histogram, type MetricsRegistry } from '@nanokube/component-base';

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

/** SchedulerMetrics records one observation per scheduling attempt. */
export class SchedulerMetrics {
  private readonly attempts: Counter;
  private readonly duration: Histogram;

  constructor(
    registry: MetricsRegistry,
    private readonly profile = 'default-scheduler',
  ) {
    this.attempts = new Counter({
      name: 'scheduler_schedule_attempts_total',
      help: 'Number of attempts to schedule pods, by the result. \'unschedulable\' means a pod could not be scheduled, while \'error\' means an internal scheduler problem.',
      labelNames: ['result', 'profile'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'scheduler_scheduling_attempt_duration_seconds',
      help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding)',
      labelNames: ['result', 'profile'],
      buckets: [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192, 16.384],
      registers: [registry],
    });
  }

  attempt(result: AttemptResult, seconds: number): void {
    this.attempts.inc({ result, profile: this.profile });
    this.duration.observe({ result, profile: this.profile }, seconds);
  }
}

/**
 * kube-scheduler's scheduling metrics: `scheduler_schedule_attempts_total{result,profile}` and
 * `scheduler_scheduling_attempt_duration_seconds{result,profile}`, result being `scheduled`,
 * `unschedulable` or `error`, and `scheduler_pending_pods{queue}` (active, backoff, unschedulable, gated).
 */
import { Counter, Gauge, Histogram, type MetricsRegistry } from '@nanokube/component-base';

/** The sizes of the scheduling queue's sub-queues, as its pendingPods() reports them. */
export type PendingPods = () => { active: readonly unknown[]; backoff: readonly unknown[]; unschedulable: readonly unknown[] };

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

/** SchedulerMetrics records one observation per scheduling attempt. */
export class SchedulerMetrics {
  private readonly attempts: Counter;
  private readonly duration: Histogram;

  private pending: PendingPods | undefined;

  constructor(
    registry: MetricsRegistry,
    private readonly profile = 'default-scheduler',
  ) {
    const self = this;
    new Gauge({
      name: 'scheduler_pending_pods',
      help: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.",
      labelNames: ['queue'],
      registers: [registry],
      collect() {
        const p = self.pending?.();
        this.set({ queue: 'active' }, p?.active.length ?? 0);
        this.set({ queue: 'backoff' }, p?.backoff.length ?? 0);
        this.set({ queue: 'unschedulable' }, p?.unschedulable.length ?? 0);
        this.set({ queue: 'gated' }, 0);
      },
    });
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

  /** observeQueue reports the sizes of a scheduling queue in `scheduler_pending_pods` at every scrape. */
  observeQueue(pending: PendingPods): void {
    this.pending = pending;
  }

  /** attempt records one scheduling attempt: its result and how long it took. */
  attempt(result: AttemptResult, seconds: number): void {
    this.attempts.inc({ result, profile: this.profile });
    this.duration.observe({ result, profile: this.profile }, seconds);
  }
}

/**
 * The kubelet's runtime operation metrics (upstream pkg/kubelet/metrics, recorded by its instrumented
 * CRI service): `kubelet_runtime_operations_total`, `kubelet_runtime_operations_duration_seconds` and
 * `kubelet_runtime_operations_errors_total`, by `operation_type` named as upstream's CRI calls.
 */
import { Counter, Histogram, type MetricsRegistry } from '@nanokube/component-base';
import type { RuntimeService } from '../runtime/types.js';

/** Upstream's operation names of the RuntimeService calls that are timed (streaming calls are not). */
export const runtimeOperationNames = {
  updateRuntimeConfig: 'update_runtime_config',
  runPodSandbox: 'run_podsandbox',
  stopPodSandbox: 'stop_podsandbox',
  removePodSandbox: 'remove_podsandbox',
  listPodSandboxes: 'list_podsandbox',
  createContainer: 'create_container',
  startContainer: 'start_container',
  stopContainer: 'stop_container',
  removeContainer: 'remove_container',
  listContainers: 'list_containers',
  stats: 'list_container_stats',
} as const satisfies Partial<Record<keyof RuntimeService, string>>;

/** A timed RuntimeService method. */
export type TimedRuntimeMethod = keyof typeof runtimeOperationNames;

/** Upstream's buckets: exponential from 5 ms, factor 2.5, 14 buckets (5 ms .. ~7.5 min). */
const operationBuckets = Array.from({ length: 14 }, (_, i) => 0.005 * 2.5 ** i);

/** A call the instrumentation saw finish, for observers such as the pod start tracker. */
export interface RuntimeCall {
  method: TimedRuntimeMethod;
  args: unknown[];
  result: unknown;
}

/** RuntimeMetrics owns the operation metrics of one runtime and the untimed originals of its methods. */
export class RuntimeMetrics {
  private readonly total: Counter;
  private readonly errors: Counter;
  private readonly duration: Histogram;
  private readonly observers: ((call: RuntimeCall) => void)[] = [];

  constructor(registry: MetricsRegistry) {
    this.total = new Counter({ name: 'kubelet_runtime_operations_total', help: 'Cumulative number of runtime operations by operation type.', labelNames: ['operation_type'], registers: [registry] });
    this.errors = new Counter({ name: 'kubelet_runtime_operations_errors_total', help: 'Cumulative number of runtime operation errors by operation type.', labelNames: ['operation_type'], registers: [registry] });
    this.duration = new Histogram({
      name: 'kubelet_runtime_operations_duration_seconds',
      help: 'Duration in seconds of runtime operations. Broken down by operation type.',
      labelNames: ['operation_type'],
      buckets: operationBuckets,
      registers: [registry],
    });
  }

  /** onCall registers an observer of every successful timed call. */
  onCall(observer: (call: RuntimeCall) => void): void {
    this.observers.push(observer);
  }

  /**
   * instrument replaces the runtime's timed methods in place (everyone holding the runtime sees the
   * wrapped ones) and returns the originals, for readers that must not count as operations.
   */
  instrument(runtime: RuntimeService): Partial<RuntimeService> {
    const originals: Partial<RuntimeService> = {};
    const target = runtime as unknown as Record<string, unknown>;
    for (const [method, operation] of Object.entries(runtimeOperationNames) as [TimedRuntimeMethod, string][]) {
      const fn = target[method];
      if (typeof fn !== 'function') continue;
      const original = (fn as (...args: unknown[]) => Promise<unknown>).bind(runtime);
      (originals as Record<string, unknown>)[method] = original;
      target[method] = async (...args: unknown[]): Promise<unknown> => {
        const start = performance.now();
        this.total.inc({ operation_type: operation });
        try {
          const result = await original(...args);
          for (const observe of this.observers) observe({ method, args, result });
          return result;
        } catch (err) {
          this.errors.inc({ operation_type: operation });
          throw err;
        } finally {
          this.duration.observe({ operation_type: operation }, (performance.now() - start) / 1000);
        }
      };
    }
    return originals;
  }
}

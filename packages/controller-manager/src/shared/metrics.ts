/**
 * The controller-manager's Prometheus registry: process collectors plus client-go's workqueue metrics of
 * every controller (labelled `name=<controller>`), served at `/metrics` of the health port.
 */
import { createMetricsRegistry, instrumentQueue, type InstrumentableQueue, type MetricsRegistry } from '@nanokube/component-base';

let registry: MetricsRegistry | undefined;

/** controllerManagerMetrics returns the process-wide registry (created on first use). */
export function controllerManagerMetrics(): MetricsRegistry {
  registry ??= createMetricsRegistry();
  return registry;
}

const instrumented = new WeakSet<object>();

/** instrumentControllerQueue records workqueue metrics of a controller's queue once. */
export function instrumentControllerQueue<T>(name: string, queue: InstrumentableQueue<T>): void {
  if (instrumented.has(queue)) return;
  instrumented.add(queue);
  instrumentQueue(controllerManagerMetrics(), name, queue);
}

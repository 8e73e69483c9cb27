/**
 * Prometheus metrics shared by every component (prom-client): one registry per process with the
 * standard `process_*` / `nodejs_*` collectors, the exposition rendering for `/metrics`, and client-go's
 * work queue metrics (`workqueue_depth`, `workqueue_adds_total`, `workqueue_queue_duration_seconds`,
 * `workqueue_work_duration_seconds`, labelled by queue `name`).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry as MetricsRegistry };

/** createMetricsRegistry returns a registry with the process and Node.js runtime collectors. */
export function createMetricsRegistry(opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}

/** renderMetrics returns the text exposition of a registry and its content type. */
export async function renderMetrics(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** A work queue as the instrumentation sees it (client-go's interface: add, get, done, len). */
export interface InstrumentableQueue<T> {
  add(item: T): void;
  get(): Promise<T | undefined>;
  done(item: T): void;
  len(): number;
}

const latencyBuckets = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10];

interface WorkqueueMetrics {
  depth: Gauge;
  adds: Counter;
  queueDuration: Histogram;
  workDuration: Histogram;
  depthSources: Map<string, () => number>;
}

const workqueueMetrics = new WeakMap<Registry, WorkqueueMetrics>();

function workqueueMetricsOf(registry: Registry): WorkqueueMetrics {
  let m = workqueueMetrics.get(registry);
  if (m) return m;
  const depthSources = new Map<string, () => number>();
  m = {
    depthSources,
    depth: new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: ['name'],
      registers: [registry],
      collect() {
        for (const [name, len] of depthSources) this.set({ name }, len());
      },
    }),
    adds: new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers: [registry] }),
    queueDuration: new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested.',
      labelNames: ['name'],
      buckets: latencyBuckets,
      registers: [registry],
    }),
    workDuration: new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes.',
      labelNames: ['name'],
      buckets: latencyBuckets,
      registers: [registry],
    }),
  };
  workqueueMetrics.set(registry, m);
  return m;
}

/**
 * instrumentQueue wraps a queue's methods in place so that its adds, depth, queue time and work time are
 * recorded under `name` (the controller's name, as upstream's queue names).
 */
export function instrumentQueue<T>(registry: Registry, name: string, queue: InstrumentableQueue<T>): void {
  const m = workqueueMetricsOf(registry);
  m.depthSources.set(name, () => queue.len());
  const addedAt = new Map<T, number>();
  const startedAt = new Map<T, number>();
  const add = queue.add.bind(queue);
  const get = queue.get.bind(queue);
  const done = queue.done.bind(queue);
  queue.add = (item: T): void => {
    m.adds.inc({ name });
    if (!addedAt.has(item)) addedAt.set(item, performance.now());
    add(item);
  };
  queue.get = async (): Promise<T | undefined> => {
    const item = await get();
    if (item === undefined) return item;
    const now = performance.now();
    const at = addedAt.get(item);
    if (at !== undefined) m.queueDuration.observe({ name }, (now - at) / 1000);
    addedAt.delete(item);
    startedAt.set(item, now);
    return item;
  };
  queue.done = (item: T): void => {
    const at = startedAt.get(item);
    if (at !== undefined) m.workDuration.observe({ name }, (performance.now() - at) / 1000);
    startedAt.delete(item);
    done(item);
  };
}

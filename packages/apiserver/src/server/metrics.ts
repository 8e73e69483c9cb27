/**
 * The apiserver's Prometheus metrics (prom-client, via `@nanokube/component-base`), named as upstream's:
 * `apiserver_request_total{verb,resource,code}`, `apiserver_request_duration_seconds{verb,resource}`,
 * `apiserver_longrunning_requests{verb,resource}` (open watches) and `apiserver_watch_requests_total`,
 * plus the process and Node.js runtime collectors.
 */
import { Counter, createMetricsRegistry, Gauge, Histogram, renderMetrics, type MetricsRegistry } from '@nanokube/component-base';

/** Upstream's request verbs (`LIST`, `WATCH`, `POST` for create, `PUT` for update...). */
const upstreamVerbs: Record<string, string> = { create: 'POST', update: 'PUT', deletecollection: 'DELETE' };

const durationBuckets = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

/** RequestMetrics records every served request; `/metrics` renders the registry. */
export class RequestMetrics {
  readonly registry: MetricsRegistry;
  private readonly total: Counter;
  private readonly duration: Histogram;
  private readonly longRunning: Gauge;
  private readonly watches: Counter;

  constructor(registry: MetricsRegistry = createMetricsRegistry()) {
    this.registry = registry;
    this.total = new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: ['verb', 'resource', 'code'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      labelNames: ['verb', 'resource'],
      buckets: durationBuckets,
      registers: [registry],
    });
    this.longRunning = new Gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component.',
      labelNames: ['verb', 'resource'],
      registers: [registry],
    });
    this.watches = new Counter({
      name: 'apiserver_watch_requests_total',
      help: 'Number of watch requests started, by resource.',
      labelNames: ['resource'],
      registers: [registry],
    });
  }

  /** observe records one finished request. `resource` is '' for non-resource paths. */
  observe(verb: string, resource: string, code: number, seconds: number): void {
    const upperVerb = upstreamVerbs[verb] ?? verb.toUpperCase();
    this.total.inc({ verb: upperVerb, resource, code: String(code) });
    // Watches are long-running: their lifetime is not a latency.
    if (verb !== 'watch') this.duration.observe({ verb: upperVerb, resource }, seconds);
  }

  /** watchStarted / watchEnded track open watches (`apiserver_longrunning_requests{verb="WATCH"}`). */
  watchStarted(resource: string): void {
    this.watches.inc({ resource });
    this.longRunning.inc({ verb: 'WATCH', resource });
  }

  watchEnded(resource: string): void {
    this.longRunning.dec({ verb: 'WATCH', resource });
  }

  /** render returns the text exposition and its content type. */
  render(): Promise<{ contentType: string; body: string }> {
    return renderMetrics(this.registry);
  }
}

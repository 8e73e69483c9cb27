/**
 * kube-proxy's Prometheus metrics (upstream pkg/proxy/metrics) and its metrics server (HTTP,
 * `--metrics-bind-address`, 127.0.0.1:10249 by default) serving `/metrics` and `/proxyMode`.
 */
import type { Server, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, serveMetrics, type Logger, type MetricsRegistry } from '@nanokube/component-base';

/** Upstream's sync latency buckets: exponential from 1 ms, factor 2, 15 buckets (1 ms .. ~16 s). */
const syncBuckets = Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i);

/** ProxierMetrics records rule syncs and the changes that trigger them, under upstream's names. */
export class ProxierMetrics {
  private readonly syncDuration: Histogram;
  private readonly fullSyncDuration: Histogram;
  private readonly partialSyncDuration: Histogram;
  private readonly lastSync: Gauge;
  private readonly lastQueued: Gauge;
  private readonly restoreFailures: Counter;
  private readonly serviceChanges: Counter;
  private readonly endpointChanges: Counter;

  constructor(registry: MetricsRegistry) {
    const histogram = (name: string, help: string): Histogram => new Histogram({ name, help, buckets: syncBuckets, registers: [registry] });
    this.syncDuration = histogram('kubeproxy_sync_proxy_rules_duration_seconds', 'SyncProxyRules latency in seconds');
    this.fullSyncDuration = histogram('kubeproxy_sync_full_proxy_rules_duration_seconds', 'SyncProxyRules latency in seconds for full resyncs');
    this.partialSyncDuration = histogram('kubeproxy_sync_partial_proxy_rules_duration_seconds', 'SyncProxyRules latency in seconds for partial resyncs');
    this.lastSync = new Gauge({ name: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds', help: 'The last time proxy rules were successfully synced', registers: [registry] });
    this.lastQueued = new Gauge({
      name: 'kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds',
      help: 'The last time a sync of proxy rules was queued',
      registers: [registry],
    });
    this.restoreFailures = new Counter({
      name: 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total',
      help: 'Cumulative proxy iptables restore failures',
      registers: [registry],
    });
    this.serviceChanges = new Counter({ name: 'kubeproxy_sync_proxy_rules_service_changes_total', help: 'Cumulative proxy rules Service changes', registers: [registry] });
    this.endpointChanges = new Counter({ name: 'kubeproxy_sync_proxy_rules_endpoint_changes_total', help: 'Cumulative proxy rules Endpoint changes', registers: [registry] });
  }

  /** changeQueued records a Service or EndpointSlice change that asks for a sync. */
  changeQueued(kind: 'service' | 'endpoints', nowMs = Date.now()): void {
    (kind === 'service' ? this.serviceChanges : this.endpointChanges).inc();
    this.lastQueued.set(nowMs / 1000);
  }

  /** synced records a successful sync that took durationMs and ended at endMs. */
  synced(sync: { full: boolean; durationMs: number }, endMs = Date.now()): void {
    const seconds = sync.durationMs / 1000;
    this.syncDuration.observe(seconds);
    (sync.full ? this.fullSyncDuration : this.partialSyncDuration).observe(seconds);
    this.lastSync.set(endMs / 1000);
  }

  /** restoreFailed records an iptables-restore that failed. */
  restoreFailed(): void {
    this.restoreFailures.inc();
  }
}

/**
 * startMetricsServer serves `/metrics` (the registry) and `/proxyMode` on host:port. A port that is taken
 * is logged and left alone, as upstream keeps proxying when its metrics server cannot bind; resolves
 * with the server once listening, or undefined then.
 */
export function startMetricsServer(opts: { registry: MetricsRegistry; host: string; port: number; log: Logger }): Promise<Server | undefined> {
  return serveMetrics({ ...opts, extraPaths: { '/proxyMode': proxyMode } });
}

/** proxyMode answers `/proxyMode` as upstream: the proxier in use, in plain text. */
function proxyMode(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }).end('iptables');
}

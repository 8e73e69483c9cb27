import { describe, expect, it } from 'vitest';
import type { RestClient } from '@nanokube/client';
import { createLogger, createMetricsRegistry } from '@nanokube/component-base';
import type { Iptables } from './iptables/iptables.js';
import { ProxierMetrics, startMetricsServer } from './metrics.js';
import { Proxier } from './proxier.js';

const log = createLogger({ component: 'proxy', level: 'silent', pretty: false });

/** fakeIptables accepts everything; restore fails while `failing` is set. */
function fakeIptables(): Iptables & { failing: boolean } {
  return {
    failing: false,
    async restore() {
      if (this.failing) throw new Error('iptables-restore: line 3 failed');
    },
    save: async () => '',
    ensureChain: async () => undefined,
    chainExists: async () => true,
    ensureRule: async () => undefined,
    deleteRule: async () => undefined,
  };
}

function sampleValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('ProxierMetrics', () => {
  it('records full and partial syncs, restore failures and the last sync time through the Proxier', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const metrics = new ProxierMetrics(registry);
    const iptables = fakeIptables();
    // The informers are never started: syncProxyRules works from their (empty) caches.
    const proxier = new Proxier({ rest: {} as RestClient, log, iptables, nodeName: 'node1', metrics });
    const before = Date.now() / 1000;
    // 1. The first (full) restore fails: counted as a failure, not as a sync. 2. A full sync. 3. A partial one.
    iptables.failing = true;
    await expect(proxier.syncProxyRules()).rejects.toThrow('iptables-restore');
    iptables.failing = false;
    await proxier.syncProxyRules();
    await proxier.syncProxyRules();
    const text = await registry.metrics();
    expect(sampleValue(text, 'kubeproxy_sync_proxy_rules_duration_seconds_count')).toBe(2);
    expect(sampleValue(text, 'kubeproxy_sync_full_proxy_rules_duration_seconds_count')).toBe(1);
    expect(sampleValue(text, 'kubeproxy_sync_partial_proxy_rules_duration_seconds_count')).toBe(1);
    expect(sampleValue(text, 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total')).toBe(1);
    expect(sampleValue(text, 'kubeproxy_sync_proxy_rules_last_timestamp_seconds')).toBeGreaterThanOrEqual(Math.floor(before));
    expect(text).toContain('kubeproxy_sync_proxy_rules_duration_seconds_bucket{le="0.001"}');
  });

  it('counts Service and endpoint changes and the time of the last one', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const metrics = new ProxierMetrics(registry);
    metrics.changeQueued('service', 1_700_000_000_000);
    metrics.changeQueued('endpoints', 1_700_000_001_000);
    metrics.changeQueued('endpoints', 1_700_000_002_000);
    const text = await registry.metrics();
    expect(sampleValue(text, 'kubeproxy_sync_proxy_rules_service_changes_total')).toBe(1);
    expect(sampleValue(text, 'kubeproxy_sync_proxy_rules_endpoint_changes_total')).toBe(2);
    expect(sampleValue(text, 'kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds')).toBe(1_700_000_002);
  });
});

describe('startMetricsServer', () => {
  it('serves /metrics in the Prometheus text format and /proxyMode', async () => {
    const registry = createMetricsRegistry();
    new ProxierMetrics(registry).synced({ full: true, durationMs: 12 });
    const server = await startMetricsServer({ registry, host: '127.0.0.1', port: 0, log });
    expect(server).toBeDefined();
    try {
      const addr = server?.address();
      const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const body = await res.text();
      expect(body).toContain('# TYPE kubeproxy_sync_proxy_rules_duration_seconds histogram');
      expect(body).toContain('process_cpu_seconds_total');
      expect(await (await fetch(`${base}/proxyMode`)).text()).toBe('iptables');
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      server?.close();
    }
  });
});

/**
 * CoreDNS's Prometheus metrics (its `prometheus` plugin, `:9153/metrics`), under CoreDNS's names and
 * labels: requests by server, zone, protocol, address family and query type; responses by rcode and
 * the plugin that answered; request duration and message sizes; forwarded requests per upstream.
 */
import type { Server } from 'node:http';
import { Counter, Gauge, Histogram, serveMetrics, type Logger, type MetricsRegistry } from '@nanokube/component-base';

/** The CoreDNS release whose metrics these mirror (`coredns_build_info`). */
export const corednsVersion = '1.11.1';

/** Query types CoreDNS labels by name; every other type is counted as `other`. */
const monitoredTypes = new Set(['A', 'AAAA', 'NS', 'PTR', 'SOA', 'MX', 'TXT', 'SRV', 'CNAME', 'DS', 'DNSKEY', 'NSEC', 'NSEC3', 'HTTPS', 'IXFR', 'AXFR', 'ANY']);

/** One answered query, as {@link DnsMetrics.observe} records it. */
export interface DnsRequestObservation {
  /** The listener, as CoreDNS's server label: `dns://:53`. */
  server: string;
  proto: 'udp' | 'tcp';
  family: 4 | 6;
  /** The query type name (`A`, `SRV`...). */
  type: string;
  /** The response code name (`NOERROR`, `NXDOMAIN`, `SERVFAIL`...). */
  rcode: string;
  /** The plugin that wrote the answer: `kubernetes`, `forward`, or empty (errors before any plugin). */
  plugin: string;
  requestBytes: number;
  responseBytes: number;
  seconds: number;
}

/** Size buckets of CoreDNS (0 .. 64 KiB). */
const sizeBuckets = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16000, 32000, 48000, 64000];
/** Duration buckets of CoreDNS: exponential from 0.25 ms, factor 2, 16 buckets. */
const durationBuckets = Array.from({ length: 16 }, (_, i) => 0.00025 * 2 ** i);

/** DnsMetrics records every answered query; see the module comment. */
export class DnsMetrics {
  private readonly requests: Counter;
  private readonly responses: Counter;
  private readonly duration: Histogram;
  private readonly requestSize: Histogram;
  private readonly responseSize: Histogram;
  private readonly forwards: Counter;

  constructor(registry: MetricsRegistry) {
    const zoneLabels = ['server', 'zone', 'view'];
    this.requests = new Counter({ name: 'coredns_dns_requests_total', help: 'Counter of DNS requests made per zone, protocol and family.', labelNames: [...zoneLabels, 'proto', 'family', 'type'], registers: [registry] });
    this.responses = new Counter({ name: 'coredns_dns_responses_total', help: 'Counter of response status codes.', labelNames: [...zoneLabels, 'rcode', 'plugin'], registers: [registry] });
    this.duration = new Histogram({
      name: 'coredns_dns_request_duration_seconds',
      help: 'Histogram of the time (in seconds) each request took per zone.',
      labelNames: [...zoneLabels, 'type'],
      buckets: durationBuckets,
      registers: [registry],
    });
    this.requestSize = new Histogram({ name: 'coredns_dns_request_size_bytes', help: 'Size of the EDNS0 UDP buffer in bytes (64K for TCP) per zone and protocol.', labelNames: [...zoneLabels, 'proto'], buckets: sizeBuckets, registers: [registry] });
    this.responseSize = new Histogram({ name: 'coredns_dns_response_size_bytes', help: 'Size of the returned response in bytes.', labelNames: [...zoneLabels, 'proto'], buckets: sizeBuckets, registers: [registry] });
    this.forwards = new Counter({ name: 'coredns_forward_requests_total', help: 'Counter of requests made per upstream.', labelNames: ['to'], registers: [registry] });
    const build = new Gauge({ name: 'coredns_build_info', help: 'A metric with a constant \'1\' value labeled by version, revision, and goversion from which CoreDNS was built.', labelNames: ['version', 'revision', 'goversion'], registers: [registry] });
    build.set({ version: corednsVersion, revision: 'nanokube', goversion: process.version }, 1);
  }

  /** observe records one answered query. Every query falls in the server block of the root zone `.`. */
  observe(o: DnsRequestObservation): void {
    const zone = { server: o.server, zone: '.', view: '' };
    const type = monitoredTypes.has(o.type) ? o.type : 'other';
    this.requests.inc({ ...zone, proto: o.proto, family: String(o.family === 6 ? 2 : 1), type });
    this.responses.inc({ ...zone, rcode: o.rcode, plugin: o.plugin });
    this.duration.observe({ ...zone, type }, o.seconds);
    this.requestSize.observe({ ...zone, proto: o.proto }, o.requestBytes);
    this.responseSize.observe({ ...zone, proto: o.proto }, o.responseBytes);
  }

  /** forwarded records a query sent to upstream `to` (`host:port`). */
  forwarded(to: string): void {
    this.forwards.inc({ to });
  }
}

/** rcodeName names a DNS response code as CoreDNS's labels do. */
export function rcodeName(code: number): string {
  return ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'][code] ?? `RCODE${code}`;
}

/**
 * startMetricsServer serves the registry at `/metrics` on host:port, as CoreDNS's prometheus plugin. A
 * port already taken is logged and DNS goes on without metrics; resolves with the server, or undefined then.
 */
export function startMetricsServer(opts: { registry: MetricsRegistry; host: string; port: number; log: Logger }): Promise<Server | undefined> {
  return serveMetrics(opts);
}

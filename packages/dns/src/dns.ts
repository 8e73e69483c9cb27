/** createClusterDns wires the informer-backed records, the zone, the forwarder and the server together. */
import type { RestClient } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';
import { Forwarder } from './forwarder.js';
import type { DnsMetrics } from './metrics.js';
import { InformerRecords } from './records.js';
import type { Upstream } from './resolv-conf.js';
import { DnsServer, type ListenAddress } from './server.js';
import { ClusterZone } from './zone.js';

/** Options of {@link createClusterDns}. */
export interface ClusterDnsOptions {
  rest: RestClient;
  log: Logger;
  listen: ListenAddress[];
  upstreams: Upstream[];
  domain?: string;
  ttl?: number;
  /** CoreDNS-style query metrics, when set. */
  metrics?: DnsMetrics;
}

/** A running cluster DNS. */
export interface ClusterDns {
  server: DnsServer;
  records: InformerRecords;
  zone: ClusterZone;
  /** close stops the listeners (the informers stop with the signal given to start). */
  close(): Promise<void>;
}

/**
 * createClusterDns starts the informers, waits for their caches, then binds the listeners: a query is
 * never answered NXDOMAIN just because the caches were still empty.
 */
export async function createClusterDns(opts: ClusterDnsOptions, signal: AbortSignal): Promise<ClusterDns> {
  const records = new InformerRecords(opts.rest, opts.log);
  await records.start(signal);
  const zone = new ClusterZone(records, { ...(opts.domain ? { domain: opts.domain } : {}), ...(opts.ttl !== undefined ? { ttl: opts.ttl } : {}) });
  // Never forward to ourselves: that would be a loop (CoreDNS's loop plugin stops the server instead).
  const self = new Set(opts.listen.map((l) => `${l.host}:${l.port}`));
  const metrics = opts.metrics;
  const forwarder = new Forwarder({
    upstreams: opts.upstreams.filter((u) => !self.has(`${u.host}:${u.port}`)),
    ...(metrics ? { onForward: (to: string) => metrics.forwarded(to) } : {}),
  });
  const server = new DnsServer({ zone, forwarder, log: opts.log, ...(metrics ? { metrics } : {}) });
  await server.listen(opts.listen);
  return { server, records, zone, close: () => server.close() };
}

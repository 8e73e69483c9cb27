import { createSocket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { createLogger, createMetricsRegistry } from '@nanokube/component-base';
import { sampleRecords } from './__tests__/static-records.js';
import { Forwarder } from './forwarder.js';
import { DnsMetrics, rcodeName, startMetricsServer } from './metrics.js';
import { DnsServer } from './server.js';
import { ClusterZone } from './zone.js';

const log = createLogger({ component: 'dns', level: 'silent', pretty: false });

function query(name: string, type: string, id = 1): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A', class: 'IN' }] });
}

/** sample returns the value of one series (metric name plus its exact label set) in the text exposition. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A port with nothing listening on 127.0.0.1 (UDP): forwarding there fails at once. */
async function deadUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('DnsMetrics', () => {
  it('counts requests by type and protocol, responses by rcode and answering plugin, and forwards per upstream', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const metrics = new DnsMetrics(registry);
    const upstream = { host: '127.0.0.1', port: await deadUdpPort() };
    const forwarder = new Forwarder({ upstreams: [upstream], timeoutMs: 500, onForward: (to) => metrics.forwarded(to) });
    const server = new DnsServer({ zone: new ClusterZone(sampleRecords()), forwarder, log, metrics });
    const from = { family: 4 as const, port: 53 };
    await server.handle(query('kubernetes.default.svc.cluster.local', 'A'), 'udp', from);
    await server.handle(query('kubernetes.default.svc.cluster.local', 'A'), 'udp', from);
    await server.handle(query('nope.default.svc.cluster.local', 'AAAA'), 'tcp', from);
    await server.handle(query('example.test', 'A'), 'udp', from);
    await server.handle(query('kubernetes.default.svc.cluster.local', 'CAA'), 'udp', { family: 6, port: 53 });
    const text = await registry.metrics();
    const z = 'server="dns://:53",zone=".",view=""';
    expect(sample(text, `coredns_dns_requests_total{${z},proto="udp",family="1",type="A"}`)).toBe(3);
    expect(sample(text, `coredns_dns_requests_total{${z},proto="tcp",family="1",type="AAAA"}`)).toBe(1);
    expect(sample(text, `coredns_dns_requests_total{${z},proto="udp",family="2",type="other"}`)).toBe(1);
    expect(sample(text, `coredns_dns_responses_total{${z},rcode="NOERROR",plugin="kubernetes"}`)).toBe(3);
    expect(sample(text, `coredns_dns_responses_total{${z},rcode="NXDOMAIN",plugin="kubernetes"}`)).toBe(1);
    expect(sample(text, `coredns_dns_responses_total{${z},rcode="SERVFAIL",plugin="forward"}`)).toBe(1);
    expect(sample(text, `coredns_forward_requests_total{to="127.0.0.1:${upstream.port}"}`)).toBe(1);
    expect(sample(text, `coredns_dns_request_duration_seconds_count{${z},type="A"}`)).toBe(3);
    expect(sample(text, `coredns_dns_response_size_bytes_count{${z},proto="udp"}`)).toBe(4);
    expect(text).toMatch(/^coredns_build_info\{version="1\.11\.1",revision="nanokube",goversion="v\d+[^"]*"\} 1$/m);
  });

  it('labels the server with the listener port and the family of the client, over a real socket', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const server = new DnsServer({ zone: new ClusterZone(sampleRecords()), forwarder: new Forwarder({ upstreams: [] }), log, metrics: new DnsMetrics(registry) });
    await server.listen([{ host: '127.0.0.1', port: 0 }]);
    const port = server.addresses()[0]?.port ?? 0;
    try {
      const client = createSocket('udp4');
      const reply = await new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no answer')), 3000);
        client.on('message', (m) => {
          clearTimeout(timer);
          resolve(m);
        });
        client.send(query('kubernetes.default.svc.cluster.local', 'A', 9), port, '127.0.0.1');
      });
      client.close();
      expect(reply.readUInt16BE(0)).toBe(9);
      const text = await registry.metrics();
      expect(sample(text, `coredns_dns_requests_total{server="dns://:${port}",zone=".",view="",proto="udp",family="1",type="A"}`)).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('names rcodes as CoreDNS does', () => {
    expect([0, 2, 3, 5].map(rcodeName)).toEqual(['NOERROR', 'SERVFAIL', 'NXDOMAIN', 'REFUSED']);
  });
});

describe('startMetricsServer', () => {
  it('serves /metrics and 404 elsewhere', async () => {
    const registry = createMetricsRegistry();
    new DnsMetrics(registry);
    const server = await startMetricsServer({ registry, host: '127.0.0.1', port: 0, log });
    try {
      const addr = server?.address();
      const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toContain('# TYPE coredns_dns_requests_total counter');
      expect(body).toContain('process_resident_memory_bytes');
      expect((await fetch(`${base}/`)).status).toBe(404);
    } finally {
      server?.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { sampleRecords } from './__tests__/static-records.js';
import { ClusterZone } from './zone.js';

const zone = new ClusterZone(sampleRecords());
const data = (name: string, type: string): unknown[] => zone.lookup(name, type)?.answers.map((a) => (a as { data: unknown }).data) ?? [];

describe('ClusterZone', () => {
  it('answers a ClusterIP Service with its IP and TTL 30', () => {
    const a = zone.lookup('kubernetes.default.svc.cluster.local', 'A');
    expect(a?.rcode).toBe('NOERROR');
    expect(a?.answers).toEqual([{ name: 'kubernetes.default.svc.cluster.local', type: 'A', ttl: 30, class: 'IN', data: '10.96.0.1' }]);
  });

  it('is case-insensitive and ignores the trailing dot', () => {
    expect(data('Kubernetes.Default.SVC.cluster.local.', 'A')).toEqual(['10.96.0.1']);
  });

  it('answers NXDOMAIN with the SOA for names the search path tries first', () => {
    const a = zone.lookup('kubernetes.default.default.svc.cluster.local', 'A');
    expect(a?.rcode).toBe('NXDOMAIN');
    expect(a?.answers).toEqual([]);
    expect(a?.authorities).toEqual([
      {
        name: 'cluster.local',
        type: 'SOA',
        ttl: 30,
        class: 'IN',
        data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1700000000, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 },
      },
    ]);
    expect(zone.lookup('missing.default.svc.cluster.local', 'A')?.rcode).toBe('NXDOMAIN');
    expect(zone.lookup('www.example.com.cluster.local', 'A')?.rcode).toBe('NXDOMAIN');
  });

  it('answers NODATA (NOERROR, SOA, no answers) for other types of an existing name', () => {
    const a = zone.lookup('kubernetes.default.svc.cluster.local', 'AAAA');
    expect(a).toMatchObject({ rcode: 'NOERROR', answers: [], authorities: [{ type: 'SOA' }] });
    expect(zone.lookup('default.svc.cluster.local', 'A')?.rcode).toBe('NOERROR');
    expect(zone.lookup('nope.svc.cluster.local', 'A')?.rcode).toBe('NXDOMAIN');
  });

  it('answers a headless Service with every ready endpoint', () => {
    expect(data('db.default.svc.cluster.local', 'A')).toEqual(['10.244.1.5', '10.244.2.7']);
    expect(data('db-1.db.default.svc.cluster.local', 'A')).toEqual(['10.244.2.7']);
    expect(zone.lookup('db-9.db.default.svc.cluster.local', 'A')?.rcode).toBe('NXDOMAIN');
    expect(zone.lookup('empty.default.svc.cluster.local', 'A')?.rcode).toBe('NXDOMAIN');
  });

  it('answers SRV for a named port with targets and glue', () => {
    const a = zone.lookup('_https._tcp.kubernetes.default.svc.cluster.local', 'SRV');
    expect(a?.answers.map((r) => (r as { data: unknown }).data)).toEqual([{ priority: 0, weight: 100, port: 443, target: 'kubernetes.default.svc.cluster.local' }]);
    expect(a?.additionals).toEqual([{ name: 'kubernetes.default.svc.cluster.local', type: 'A', ttl: 30, class: 'IN', data: '10.96.0.1' }]);
    const headless = zone.lookup('_pg._tcp.db.default.svc.cluster.local', 'SRV');
    expect(headless?.answers.map((r) => (r as { data: { target: string; weight: number } }).data)).toEqual([
      { priority: 0, weight: 50, port: 5432, target: 'db-0.db.default.svc.cluster.local' },
      { priority: 0, weight: 50, port: 5432, target: 'db-1.db.default.svc.cluster.local' },
    ]);
    expect(zone.lookup('_http._tcp.kubernetes.default.svc.cluster.local', 'SRV')?.rcode).toBe('NXDOMAIN');
    expect(data('kube-dns.kube-system.svc.cluster.local', 'SRV')).toHaveLength(2);
  });

  it('answers an ExternalName Service with a CNAME', () => {
    expect(zone.lookup('ext.default.svc.cluster.local', 'A')?.answers).toEqual([
      { name: 'ext.default.svc.cluster.local', type: 'CNAME', ttl: 30, class: 'IN', data: 'db.example.com' },
    ]);
  });

  it('answers pod names from their dashed IP', () => {
    expect(data('10-244-1-5.default.pod.cluster.local', 'A')).toEqual(['10.244.1.5']);
    expect(zone.lookup('10-244-1-500.default.pod.cluster.local', 'A')?.rcode).toBe('NXDOMAIN');
  });

  it('answers PTR for Service and endpoint IPs and leaves unknown addresses to the forwarder', () => {
    expect(data('1.0.96.10.in-addr.arpa', 'PTR')).toEqual(['kubernetes.default.svc.cluster.local']);
    expect(data('5.1.244.10.in-addr.arpa', 'PTR')).toEqual(['db-0.db.default.svc.cluster.local']);
    expect(zone.lookup('4.3.2.1.in-addr.arpa', 'PTR')).toBeUndefined();
  });

  it('leaves names outside the cluster domain to the forwarder', () => {
    expect(zone.lookup('example.com', 'A')).toBeUndefined();
    expect(zone.lookup('notcluster.local', 'A')).toBeUndefined();
  });

  it('answers the apex SOA and NS', () => {
    expect(zone.lookup('cluster.local', 'SOA')?.answers[0]).toMatchObject({ type: 'SOA', name: 'cluster.local' });
    expect(data('cluster.local', 'NS')).toEqual(['ns.dns.cluster.local']);
    expect(data('ns.dns.cluster.local', 'A')).toEqual(['10.96.0.10']);
  });
});

import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@nanokube/component-base';
import { sampleRecords, slice, StaticRecords, svc } from './__tests__/static-records.js';
import { Forwarder } from './forwarder.js';
import { DnsServer } from './server.js';
import { ClusterZone } from './zone.js';

/** dns-packet's types omit the decoded rcode. */
type Reply = dnsPacket.DecodedPacket & { rcode: string };

const log = createLogger({ component: 'dns', level: 'silent', pretty: false });

function udpQuery(port: number, name: string, type: string, extra: Partial<dnsPacket.Packet> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error('timeout'));
    }, 3000);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(dnsPacket.decode(msg) as Reply);
    });
    const q = dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A', class: 'IN' }], ...extra });
    sock.send(q, port, '127.0.0.1');
  });
}

function tcpQuery(port: number, name: string, type: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    sock.on('connect', () => sock.write(dnsPacket.streamEncode({ type: 'query', id: 7, questions: [{ name, type: type as 'A', class: 'IN' }] })));
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        sock.destroy();
        resolve(dnsPacket.streamDecode(buf) as Reply);
      }
    });
    sock.on('error', reject);
  });
}

/** A tiny upstream resolver on 127.0.0.1 that knows one name. */
async function startUpstream(): Promise<{ port: number; close(): void; queries: string[] }> {
  const sock = createSocket('udp4');
  const queries: string[] = [];
  sock.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const question = q.questions?.[0];
    queries.push(question?.name ?? '');
    const known = question?.name === 'example.test';
    const reply = dnsPacket.encode({
      type: 'response',
      id: q.id ?? 0,
      flags: dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3),
      questions: q.questions ?? [],
      answers: known ? [{ name: 'example.test', type: 'A', ttl: 60, class: 'IN', data: '192.0.2.1' }] : [],
    });
    sock.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { port: sock.address().port, close: () => sock.close(), queries };
}

let server: DnsServer;
let port: number;
let upstream: Awaited<ReturnType<typeof startUpstream>>;

beforeAll(async () => {
  upstream = await startUpstream();
  server = new DnsServer({ zone: new ClusterZone(sampleRecords()), forwarder: new Forwarder({ upstreams: [{ host: '127.0.0.1', port: upstream.port }] }), log });
  await server.listen([{ host: '127.0.0.1', port: 0 }]);
  port = server.addresses()[0]?.port ?? 0;
});

afterAll(async () => {
  await server.close();
  upstream.close();
});

describe('DnsServer', () => {
  it('answers cluster names over UDP, authoritatively, echoing the id and RD', async () => {
    const r = await udpQuery(port, 'kubernetes.default.svc.cluster.local', 'A');
    expect(r).toMatchObject({ id: 4242, type: 'response', flag_aa: true, flag_rd: true, flag_ra: false, rcode: 'NOERROR' });
    expect(r.answers).toMatchObject([{ type: 'A', data: '10.96.0.1', ttl: 30 }]);
  });

  it('answers NXDOMAIN with the SOA in the authority section', async () => {
    const r = await udpQuery(port, 'nope.default.svc.cluster.local', 'A');
    expect(r.rcode).toBe('NXDOMAIN');
    expect(r.authorities).toMatchObject([{ type: 'SOA', name: 'cluster.local' }]);
  });

  it('answers over TCP', async () => {
    const r = await tcpQuery(port, '_pg._tcp.db.default.svc.cluster.local', 'SRV');
    expect(r.answers).toHaveLength(2);
    expect(r.additionals?.map((a) => (a as { data: string }).data).sort()).toEqual(['10.244.1.5', '10.244.2.7']);
  });

  it('echoes EDNS0', async () => {
    const r = await udpQuery(port, 'kubernetes.default.svc.cluster.local', 'A', {
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
    });
    expect(r.additionals).toMatchObject([{ type: 'OPT', udpPayloadSize: 1232 }]);
  });

  it('forwards other names to the upstream and relays its answer', async () => {
    const r = await udpQuery(port, 'example.test', 'A');
    expect(r.answers).toMatchObject([{ name: 'example.test', data: '192.0.2.1' }]);
    expect(r.flag_ra).toBe(true);
    expect((await udpQuery(port, 'missing.test', 'A')).rcode).toBe('NXDOMAIN');
    expect(upstream.queries).toContain('example.test');
    expect(upstream.queries).not.toContain('kubernetes.default.svc.cluster.local');
  });

  it('answers SERVFAIL when the upstream does not answer', async () => {
    const dead = new DnsServer({ zone: new ClusterZone(sampleRecords()), forwarder: new Forwarder({ upstreams: [{ host: '127.0.0.1', port: 9 }], timeoutMs: 300 }), log });
    await dead.listen([{ host: '127.0.0.1', port: 0 }]);
    try {
      const r = await udpQuery(dead.addresses()[0]?.port ?? 0, 'example.test', 'A');
      expect(r.rcode).toBe('SERVFAIL');
    } finally {
      await dead.close();
    }
  });

  it('truncates UDP answers larger than 512 bytes and sets TC, but not TCP ones', async () => {
    const endpoints = Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.244.9.${i + 1}`] }));
    const big = new StaticRecords([svc('default', 'big', { clusterIP: 'None' })], [slice('default', 'big', endpoints, [{ name: 'http', port: 80 }])]);
    const s = new DnsServer({ zone: new ClusterZone(big), forwarder: new Forwarder({ upstreams: [] }), log });
    const query = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'big.default.svc.cluster.local', type: 'A', class: 'IN' }] });
    const udp = dnsPacket.decode((await s.handle(query, 'udp')) as Buffer);
    expect(udp).toMatchObject({ flag_tc: true, answers: [] });
    const tcp = dnsPacket.decode((await s.handle(query, 'tcp')) as Buffer);
    expect(tcp.flag_tc).toBe(false);
    expect(tcp.answers).toHaveLength(60);
  });
});

/**
 * Cluster DNS against a real control plane (`nanokube up`): Services and EndpointSlices are created with
 * the admin kubeconfig, the DNS runs in-process through createClusterDns on 127.0.0.1:<free>, and
 * queries go over real UDP/TCP sockets (and through `dig` when it is installed).
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createSocket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromKubeconfig, resources, ResourceClient, RestClient, type KubeObject } from '@nanokube/client';
import { createLogger } from '@nanokube/component-base';
import { createClusterDns, kubeDnsService, type ClusterDns } from '@nanokube/dns';
import { startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { freePort } from '../helpers/ports.js';

type Obj = KubeObject & Record<string, unknown>;

const execFileAsync = promisify(execFile);

/** dns-packet's types omit the decoded rcode. */
type Reply = dnsPacket.DecodedPacket & { rcode: string };

let cp: TestControlPlane;
let rest: RestClient;
let dns: ClusterDns;
let port: number;
const stop = new AbortController();
const upstream = createSocket('udp4');

function query(name: string, type: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error(`no answer for ${name}`));
    }, 5000);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(dnsPacket.decode(msg) as Reply);
    });
    sock.send(dnsPacket.encode({ type: 'query', id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A', class: 'IN' }] }), port, '127.0.0.1');
  });
}

const values = (p: dnsPacket.DecodedPacket): unknown[] => (p.answers ?? []).map((a) => (a as { data: unknown }).data);

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  // 1. A tiny upstream resolver on loopback that knows one outside name.
  upstream.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const known = q.questions?.[0]?.name === 'outside.test';
    const answers: dnsPacket.Answer[] = known ? [{ name: 'outside.test', type: 'A', ttl: 60, class: 'IN', data: '192.0.2.44' }] : [];
    upstream.send(dnsPacket.encode({ type: 'response', id: q.id ?? 0, flags: dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3), questions: q.questions ?? [], answers }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
  // 2. The control plane and the objects.
  cp = await startTestControlPlane();
  rest = new RestClient(await configFromKubeconfig(cp.adminConf));
  await new ResourceClient<Obj>(rest, resources.services).inNamespace('kube-system').create(kubeDnsService() as Obj);
  await new ResourceClient<Obj>(rest, resources.services).inNamespace('default').create({
    metadata: { name: 'db' },
    spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] },
  });
  await new ResourceClient<Obj>(rest, resources.endpointslices).inNamespace('default').create({
    metadata: { name: 'db-manual', labels: { 'kubernetes.io/service-name': 'db' } },
    addressType: 'IPv4',
    ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    endpoints: [
      { addresses: ['10.244.1.5'], hostname: 'db-0', conditions: { ready: true } },
      { addresses: ['10.244.2.6'], hostname: 'db-1', conditions: { ready: true } },
      { addresses: ['10.244.3.7'], conditions: { ready: false } },
    ],
  });
  // 3. The DNS itself.
  port = await freePort();
  const log = createLogger({ component: 'dns', level: 'warn', pretty: false });
  dns = await createClusterDns({ rest, log, listen: [{ host: '127.0.0.1', port }], upstreams: [{ host: '127.0.0.1', port: upstream.address().port }] }, stop.signal);
});

afterAll(async () => {
  stop.abort();
  await dns?.close();
  upstream.close();
  await rest?.close();
  await cp?.stop();
});

describe('nanokube dns', () => {
  it('resolves kubernetes.default.svc.cluster.local to 10.96.0.1', async () => {
    const r = await query('kubernetes.default.svc.cluster.local', 'A');
    expect(r.rcode).toBe('NOERROR');
    expect(values(r)).toEqual(['10.96.0.1']);
  });

  it('resolves the kube-dns Service it serves', async () => {
    expect(values(await query('kube-dns.kube-system.svc.cluster.local', 'A'))).toEqual(['10.96.0.10']);
  });

  it('resolves a headless Service to every ready pod IP, and its endpoints by hostname', async () => {
    expect(values(await query('db.default.svc.cluster.local', 'A'))).toEqual(['10.244.1.5', '10.244.2.6']);
    expect(values(await query('db-1.db.default.svc.cluster.local', 'A'))).toEqual(['10.244.2.6']);
  });

  it('answers SRV for a named port', async () => {
    const r = await query('_dns._udp.kube-dns.kube-system.svc.cluster.local', 'SRV');
    expect(values(r)).toEqual([{ priority: 0, weight: 100, port: 53, target: 'kube-dns.kube-system.svc.cluster.local' }]);
    expect(values(await query('_pg._tcp.db.default.svc.cluster.local', 'SRV'))).toHaveLength(2);
  });

  it('answers NXDOMAIN with an SOA for a missing name', async () => {
    const r = await query('missing.default.svc.cluster.local', 'A');
    expect(r.rcode).toBe('NXDOMAIN');
    expect(r.authorities).toMatchObject([{ type: 'SOA', name: 'cluster.local' }]);
  });

  it('follows changes: a new Service resolves, a deleted one stops resolving', async () => {
    const services = new ResourceClient<Obj>(rest, resources.services).inNamespace('default');
    const created = (await services.create({ metadata: { name: 'web' }, spec: { ports: [{ port: 80 }], selector: { app: 'web' } } })) as Obj & { spec: { clusterIP: string } };
    const r = await eventually(() => query('web.default.svc.cluster.local', 'A'), (p) => p.rcode === 'NOERROR');
    expect(values(r)).toEqual([created.spec.clusterIP]);
    await services.delete('web');
    expect((await eventually(() => query('web.default.svc.cluster.local', 'A'), (p) => p.rcode === 'NXDOMAIN')).rcode).toBe('NXDOMAIN');
  });

  it('forwards names outside the cluster domain to the upstream resolver', async () => {
    expect(values(await query('outside.test', 'A'))).toEqual(['192.0.2.44']);
    expect((await query('unknown.test', 'A')).rcode).toBe('NXDOMAIN');
  });

  // dig runs asynchronously: the server answering it lives in this process's event loop.
  it.skipIf(spawnSync('which', ['dig']).status !== 0)('answers dig over UDP and TCP', async () => {
    const dig = async (...args: string[]): Promise<string> => (await execFileAsync('dig', ['@127.0.0.1', '-p', String(port), ...args])).stdout;
    expect((await dig('+short', 'kubernetes.default.svc.cluster.local')).trim()).toBe('10.96.0.1');
    expect((await dig('+tcp', '+short', 'SRV', '_https._tcp.kubernetes.default.svc.cluster.local')).trim()).toBe('0 100 443 kubernetes.default.svc.cluster.local.');
    const full = await dig('missing.default.svc.cluster.local');
    expect(full).toMatch(/status: NXDOMAIN/);
    expect(full).toMatch(/flags: qr aa rd;/);
    expect(full).toMatch(/cluster\.local\.\s+30\s+IN\s+SOA\s+ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 30/);
  });
});

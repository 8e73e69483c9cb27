/**
 * The Proxier end to end: a real control plane (`nanokube up`), the Proxier running in-process with its
 * iptables commands sent into a "node" network namespace this test creates, and a client namespace
 * reaching two pod namespaces through the Service it programs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromKubeconfig, resources, ResourceClient, RestClient, type KubeObject } from '@nanokube/client';
import { createLogger } from '@nanokube/component-base';
import { cleanupRules, ExecIptables, Proxier, ProxierHealth } from '@nanokube/proxy';
import { startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { createTopology, netnsAvailable, type Topology } from './netns.js';

type Obj = KubeObject & { spec?: Record<string, unknown> };

let cp: TestControlPlane;
let rest: RestClient;
let topo: Topology;
let ipt: ExecIptables;
let clusterIP = '';
let running: { stop: AbortController; done: Promise<void>; proxier: Proxier; health: ProxierHealth } | undefined;
const log = createLogger({ component: 'proxy', level: 'warn', pretty: false });

function startProxier(): NonNullable<typeof running> {
  const stop = new AbortController();
  const health = new ProxierHealth(60_000);
  const proxier = new Proxier({
    rest,
    log,
    iptables: ipt,
    nodeName: 'node1',
    nodeIP: '10.250.1.1',
    nodePortAddresses: ['10.250.1.1'],
    clusterCIDR: '10.244.0.0/16',
    minSyncPeriodMs: 200,
    health,
  });
  return { stop, proxier, health, done: proxier.run(stop.signal) };
}

async function eventually<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const podsOf = (bodies: string[]): Set<string> => new Set(bodies.map((b) => b.split(' ')[0] ?? ''));

beforeAll(async () => {
  if (!netnsAvailable) return;
  topo = await createTopology(2);
  ipt = new ExecIptables(['ip', 'netns', 'exec', topo.node]);
  cp = await startTestControlPlane();
  rest = new RestClient(await configFromKubeconfig(cp.adminConf));
  running = startProxier();
});

afterAll(async () => {
  running?.stop.abort();
  await running?.done;
  if (ipt) await cleanupRules(ipt).catch(() => undefined);
  topo?.destroy();
  await rest?.close();
  await cp?.stop();
});

describe.skipIf(!netnsAvailable)('nanokube proxy', () => {
  it('programs a NodePort Service with manual EndpointSlices and spreads connections over both pods', async () => {
    const svc = (await new ResourceClient<Obj>(rest, resources.services).inNamespace('default').create({
      metadata: { name: 'web' },
      spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }] },
    })) as Obj & { spec: { clusterIP: string } };
    clusterIP = svc.spec.clusterIP;
    await new ResourceClient<Obj>(rest, resources.endpointslices).inNamespace('default').create({
      metadata: { name: 'web-manual', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      ports: [{ port: 8080, protocol: 'TCP' }],
      endpoints: topo.pods.map((p) => ({ addresses: [p.ip], conditions: { ready: true }, nodeName: 'node1' })),
    } as Obj);
    const bodies = await eventually('both pods', () => topo.get(`http://${clusterIP}/`, 16), (b) => podsOf(b).size === 2);
    expect(podsOf(bodies)).toEqual(new Set(['pod0', 'pod1']));
    expect(podsOf(await topo.get('http://10.250.1.1:30080/', 4)).size).toBeGreaterThan(0);
    expect(running?.proxier.hasSynced()).toBe(true);
    expect(running?.health.status().healthy).toBe(true);
  });

  it('pins a client to one pod as soon as sessionAffinity becomes ClientIP', async () => {
    await new ResourceClient<Obj>(rest, resources.services).inNamespace('default').patch('web', 'merge', {
      spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 300 } } },
    });
    await eventually('affinity rules', async () => topo.sh(topo.node, 'iptables-save -t nat'), (s) => s.includes('--rcheck --seconds 300'));
    const bodies = await topo.get(`http://${clusterIP}/`, 12);
    expect(podsOf(bodies).size).toBe(1);
  });

  it('keeps every rule in place across a restart', async () => {
    const before = topo.sh(topo.node, 'iptables-save -t nat | grep -v "^#"');
    running?.stop.abort();
    await running?.done;
    running = startProxier();
    await eventually('resync after restart', async () => running?.proxier.hasSynced() ?? false, (v) => v);
    const after = topo.sh(topo.node, 'iptables-save -t nat | grep -v "^#"');
    expect(after.split('\n').sort()).toEqual(before.split('\n').sort());
    expect(podsOf(await topo.get(`http://${clusterIP}/`, 4)).size).toBe(1);
  });

  it('rejects connections once the endpoints are gone', async () => {
    await new ResourceClient<Obj>(rest, resources.endpointslices).inNamespace('default').delete('web-manual');
    const [body] = await eventually('REJECT', () => topo.get(`http://${clusterIP}/`, 1), (b) => /ECONNREFUSED/.test(b[0] ?? ''));
    expect(body).toMatch(/ECONNREFUSED/);
    expect(topo.sh(topo.node, 'iptables-save -t nat')).not.toMatch(/default\/web -> /);
  });
});

/**
 * The proxier's rules in a real kernel: every rule goes into a network namespace this test creates,
 * and a client namespace reaches two pod namespaces through them (ClusterIP DNAT, random spread,
 * ClientIP affinity, NodePort, REJECT without endpoints), then --cleanup removes everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildRestore,
  cleanupRules,
  ensureJumps,
  ExecIptables,
  generateRules,
  type Endpoint,
  type RuleSet,
  type ServicePort,
} from '@nanokube/proxy';
import { createTopology, netnsAvailable, type Topology } from './netns.js';

let topo: Topology;
let ipt: ExecIptables;
let applied: RuleSet | undefined;

function webPort(o: Partial<ServicePort> = {}): ServicePort {
  return {
    name: 'default/web',
    namespace: 'default',
    service: 'web',
    portName: '',
    protocol: 'tcp',
    clusterIP: '10.96.0.50',
    port: 80,
    nodePort: 30080,
    externalIPs: [],
    loadBalancerIPs: [],
    loadBalancerSourceRanges: [],
    externalPolicyLocal: false,
    internalPolicyLocal: false,
    ...o,
  };
}

function podEndpoints(): Endpoint[] {
  return topo.pods.map((p) => ({ ip: p.ip, port: 8080, ready: true, serving: true, terminating: false, isLocal: true }));
}

async function apply(services: { port: ServicePort; endpoints: Endpoint[] }[]): Promise<string> {
  const desired = generateRules(services, { clusterCIDR: '10.244.0.0/16', nodePortAddresses: ['10.250.1.1'], nodeIP: '10.250.1.1' });
  const input = buildRestore(desired, applied ? { previous: applied } : {});
  if (input.text) await ipt.restore(input.text);
  applied = desired;
  return input.text;
}

function save(): string {
  return topo.sh(topo.node, 'iptables-save');
}

beforeAll(async () => {
  if (!netnsAvailable) return;
  topo = await createTopology(2);
  ipt = new ExecIptables(['ip', 'netns', 'exec', topo.node]);
});

afterAll(() => topo?.destroy());

describe.skipIf(!netnsAvailable)('iptables rules in a network namespace', () => {
  it('DNATs a ClusterIP to both pods and masquerades traffic from outside the pod network', async () => {
    await ensureJumps(ipt);
    await apply([{ port: webPort(), endpoints: podEndpoints() }]);
    const saved = save();
    expect(saved).toContain('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(saved).toMatch(/-A KUBE-SERVICES -d 10\.96\.0\.50\/32 -p tcp -m comment --comment "default\/web cluster IP" -m tcp --dport 80 -j KUBE-SVC-/);
    const bodies = await topo.get('http://10.96.0.50/', 24);
    expect(new Set(bodies.map((b) => b.split(' ')[0]))).toEqual(new Set(['pod0', 'pod1']));
    // The client is outside 10.244.0.0/16: the pods see the node's address, not the client's.
    expect(bodies.every((b) => / 10\.250\.[23]\.1$/.test(b))).toBe(true);
  });

  it('pins one client to one pod once sessionAffinity is ClientIP, with a partial restore', async () => {
    const text = await apply([{ port: webPort({ affinityTimeoutSeconds: 600 }), endpoints: podEndpoints() }]);
    expect(text).not.toContain(':KUBE-SERVICES ');
    const bodies = await topo.get('http://10.96.0.50/', 12);
    expect(new Set(bodies.map((b) => b.split(' ')[0])).size).toBe(1);
    expect(save()).toMatch(/-m recent --rcheck --seconds 600 --reap --name KUBE-SEP-/);
  });

  it('answers on the NodePort of the node IP', async () => {
    const bodies = await topo.get('http://10.250.1.1:30080/', 4);
    expect(bodies.every((b) => /^pod[01] /.test(b))).toBe(true);
  });

  it('rejects connections to a service without endpoints', async () => {
    await apply([
      { port: webPort({ affinityTimeoutSeconds: 600 }), endpoints: podEndpoints() },
      { port: webPort({ name: 'default/empty', service: 'empty', clusterIP: '10.96.0.60', nodePort: 0 }), endpoints: [] },
    ]);
    expect(save()).toContain('-A KUBE-SERVICES -d 10.96.0.60/32 -p tcp -m comment --comment "default/empty has no endpoints" -m tcp --dport 80 -j REJECT');
    const [body] = await topo.get('http://10.96.0.60/', 1);
    expect(body).toMatch(/ECONNREFUSED/);
  });

  it('ensures jumps idempotently and skips the restore when nothing changed', async () => {
    await ensureJumps(ipt);
    expect(save().match(/-A PREROUTING .*-j KUBE-SERVICES/g)).toHaveLength(1);
    expect(await apply([
      { port: webPort({ affinityTimeoutSeconds: 600 }), endpoints: podEndpoints() },
      { port: webPort({ name: 'default/empty', service: 'empty', clusterIP: '10.96.0.60', nodePort: 0 }), endpoints: [] },
    ])).toBe('');
  });

  it('removes every rule and chain it owns on cleanup and leaves foreign rules', async () => {
    topo.sh(topo.node, 'iptables -t nat -N FOREIGN && iptables -t nat -A POSTROUTING -j FOREIGN');
    const deleted = await cleanupRules(ipt);
    expect(deleted).toBeGreaterThan(8);
    const saved = save();
    expect(saved).not.toMatch(/KUBE-/);
    expect(saved).toContain('-A POSTROUTING -j FOREIGN');
    const [body] = await topo.get('http://10.96.0.50/', 1);
    expect(body).toMatch(/^error/);
  });
});

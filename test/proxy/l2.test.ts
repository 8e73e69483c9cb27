/**
 * Layer2 announcements in a real kernel, entirely inside network namespaces this test creates: a "lan"
 * namespace holding a bridge, three "node" namespaces and a "client" namespace plugged into it on
 * 10.123.0.0/24 (no default routes anywhere). One L2Announcer per node is driven with hand-made Nodes
 * and Services; each node runs an HTTP server on 0.0.0.0:8080 that answers with its name, so the client
 * sees which node holds the LoadBalancer address.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import { createLogger } from '@nanokube/component-base';
import { cleanupAnnouncedAddresses, ExecAddresses, L2Announcer, pickOwner } from '@nanokube/proxy';

const lbIP = '10.123.0.200';
const nodeNames = ['worker01', 'worker02', 'worker03'];
const log = createLogger({ component: 'test', level: 'silent' });

const available = process.getuid?.() === 0 && ['ip', 'arping', 'curl'].every((t) => spawnSync('which', [t]).status === 0);

const id = randomBytes(3).toString('hex');
const lan = `nk-l2-${id}-lan`;
const client = `nk-l2-${id}-client`;
const nodeNs = (i: number): string => `nk-l2-${id}-n${i}`;
const created: string[] = [];
const servers: ChildProcess[] = [];
const announcers: L2Announcer[] = [];
const addresses: ExecAddresses[] = [];
const events: string[][] = [[], [], []];

function run(args: string[]): string {
  const r = spawnSync(args[0] as string, args.slice(1), { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}
const sh = (ns: string, command: string): string => run(['ip', 'netns', 'exec', ns, 'sh', '-c', command]);

function node(name: string, ready: 'True' | 'Unknown'): Node {
  return { metadata: { name }, status: { conditions: [{ type: 'Ready', status: ready }] } };
}
const service: Service = {
  metadata: { name: 'web', namespace: 'default', uid: 'uid-web' },
  spec: { type: 'LoadBalancer', clusterIP: '10.96.0.10', ports: [{ port: 80 }] },
  status: { loadBalancer: { ingress: [{ ip: lbIP, ipMode: 'VIP' }] } },
};
const state = (down: string[]) => ({
  services: [service],
  nodes: nodeNames.map((n) => node(n, down.includes(n) ? 'Unknown' : 'True')),
  slicesOf: () => [],
});

/** holders lists the node namespaces whose eth0 holds the LoadBalancer address. */
function holders(): string[] {
  return nodeNames.filter((_, i) => sh(nodeNs(i), 'ip -4 -o addr show dev eth0').includes(` ${lbIP}/32 `));
}

/** fetch asks the LoadBalancer address from the client namespace (fresh TCP connection). */
function fetchFromClient(): string {
  const r = spawnSync('ip', ['netns', 'exec', client, 'curl', '-s', '-m', '3', `http://${lbIP}:8080/`], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout : `error ${r.status}`;
}

function macOf(i: number): string {
  return sh(nodeNs(i), 'cat /sys/class/net/eth0/address').trim();
}

/** The client's neighbour entry for the address (lladdr), or '' when it has none. */
function clientNeighbour(): string {
  return /lladdr (\S+)/.exec(sh(client, `ip neigh show ${lbIP}`))?.[1] ?? '';
}

/** waitForNeighbour polls (up to 3 s) until the client's entry for the address is mac; returns the last one. */
async function waitForNeighbour(mac: string): Promise<string> {
  const deadline = Date.now() + 3_000;
  let seen = clientNeighbour();
  while (seen !== mac && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    seen = clientNeighbour();
  }
  return seen;
}

async function syncAll(down: string[], which = [0, 1, 2]): Promise<void> {
  await Promise.all(which.map((i) => (announcers[i] as L2Announcer).sync(state(down))));
}

function destroy(): void {
  for (const s of servers) if (s.exitCode === null && s.pid) s.kill('SIGKILL');
  for (const ns of created) spawnSync('ip', ['netns', 'del', ns]);
}

beforeAll(async () => {
  if (!available) return;
  try {
    for (const ns of [lan, client, ...nodeNames.map((_, i) => nodeNs(i))]) {
      run(['ip', 'netns', 'add', ns]);
      created.push(ns);
    }
    sh(lan, 'ip link set lo up && ip link add br0 type bridge && ip link set br0 up');
    const plug = (ns: string, port: string, ip: string): void => {
      run(['ip', 'link', 'add', port, 'netns', lan, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      sh(lan, `ip link set ${port} master br0 && ip link set ${port} up`);
      sh(ns, `ip link set lo up && ip addr add ${ip}/24 dev eth0 && ip link set eth0 up`);
    };
    plug(client, `nk${id}c`, '10.123.0.2');
    for (let i = 0; i < nodeNames.length; i++) {
      plug(nodeNs(i), `nk${id}n${i}`, `10.123.0.${11 + i}`);
      const script = `require('node:http').createServer((q, s) => s.end(${JSON.stringify(nodeNames[i])})).listen(8080, '0.0.0.0')`;
      servers.push(spawn('ip', ['netns', 'exec', nodeNs(i), process.execPath, '-e', script], { stdio: 'ignore' }));
      const addrs = new ExecAddresses(['ip', 'netns', 'exec', nodeNs(i)]);
      addresses.push(addrs);
      const sink = events[i] as string[];
      announcers.push(
        new L2Announcer({ nodeName: nodeNames[i] as string, iface: 'eth0', addresses: addrs, log, events: { event: (_s, _t, reason, message) => sink.push(`${reason}: ${message}`) } }),
      );
    }
    // Wait until every server answers on its own node address.
    for (let i = 0; i < nodeNames.length; i++) {
      const deadline = Date.now() + 10_000;
      while (spawnSync('ip', ['netns', 'exec', client, 'curl', '-s', '-m', '1', `http://10.123.0.${11 + i}:8080/`]).status !== 0) {
        if (Date.now() > deadline) throw new Error(`server of ${nodeNames[i]} did not start`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (err) {
    destroy();
    throw err;
  }
});

afterAll(() => destroy());

describe.skipIf(!available)('layer2 announcements between network namespaces', () => {
  const first = pickOwner(lbIP, nodeNames) as string;
  const second = pickOwner(lbIP, nodeNames.filter((n) => n !== first)) as string;
  const third = nodeNames.find((n) => n !== first && n !== second) as string;

  it('puts the address on exactly one node, which the client reaches', async () => {
    await syncAll([]);
    expect(holders()).toEqual([first]);
    expect(fetchFromClient()).toBe(first);
    expect(events[nodeNames.indexOf(first)]).toEqual([`nodeAssigned: announcing from node "${first}" with protocol "layer2"`]);
    expect(events.flat()).toHaveLength(1);
  });

  it('moves the address when the owner goes NotReady; gratuitous ARP updates the client at once', async () => {
    expect(clientNeighbour()).toBe(macOf(nodeNames.indexOf(first)));
    await syncAll([first]);
    expect(holders()).toEqual([second]);
    expect(await waitForNeighbour(macOf(nodeNames.indexOf(second)))).toBe(macOf(nodeNames.indexOf(second)));
    expect(fetchFromClient()).toBe(second);
  });

  it('takes over from an owner cut off the network that still holds the address', async () => {
    const secondIdx = nodeNames.indexOf(second);
    // The node "fails": its cable is pulled, it cannot give the address up, and it turns Unknown.
    sh(lan, `ip link set nk${id}n${secondIdx} down`);
    await syncAll([first, second], [0, 1, 2].filter((i) => i !== secondIdx));
    expect(holders().sort()).toEqual([second, third].sort());
    expect(await waitForNeighbour(macOf(nodeNames.indexOf(third)))).toBe(macOf(nodeNames.indexOf(third)));
    expect(fetchFromClient()).toBe(third);
    // It comes back: seeing itself Unknown it drops the address, then everything is Ready again.
    sh(lan, `ip link set nk${id}n${secondIdx} up`);
    await syncAll([first, second]);
    expect(holders()).toEqual([third]);
    await syncAll([]);
    expect(holders()).toEqual([first]);
    expect(fetchFromClient()).toBe(first);
  });

  it('cleanup removes every address it added and leaves the node addresses', async () => {
    await Promise.all(announcers.map((a) => a.cleanup()));
    expect(holders()).toEqual([]);
    // --cleanup finds labelled leftovers of a previous run on its own.
    await (addresses[0] as ExecAddresses).add('eth0', lbIP);
    expect(await cleanupAnnouncedAddresses(addresses[0] as ExecAddresses)).toEqual([lbIP]);
    expect(holders()).toEqual([]);
    for (let i = 0; i < nodeNames.length; i++) expect(sh(nodeNs(i), 'ip -4 -o addr show dev eth0')).toContain(`10.123.0.${11 + i}/24`);
  });
});

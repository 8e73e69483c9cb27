/**
 * The pod network on real namespaces, without a kubelet: two "nodes" (network namespaces) joined by a
 * test bridge that lives in a namespace of its own (the host's interfaces are never touched), two pods
 * per node wired by HostGwNetwork, and TCP traffic between pods across nodes.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execRunner, HostGwNetwork, HostLocalIpam, netnsRunner } from '@nanokube/kubelet';
import { askEcho, canUseNetns, leftovers, runSuffix, sh, startEchoServer } from './netns.js';

const enabled = await canUseNetns();
const tag = `nkt${runSuffix()}`;
const fabric = `${tag}-fabric`;
const nodes = [
  { name: `${tag}-n1`, ip: '192.168.77.11', podCIDR: '10.244.1.0/24' },
  { name: `${tag}-n2`, ip: '192.168.77.12', podCIDR: '10.244.2.0/24' },
];

describe.skipIf(!enabled)('pod network on real namespaces', () => {
  let stateDir: string;
  const nets = new Map<string, HostGwNetwork>();
  const pods = new Map<string, { node: string; ip: string; netns: string }>();
  const servers: ChildProcess[] = [];

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'nk-podnet-'));
    // 1. The fabric: a namespace holding the test bridge, and one veth from each node into it.
    await sh(['ip', 'netns', 'add', fabric]);
    await sh(['ip', '-n', fabric, 'link', 'add', 'br0', 'type', 'bridge']);
    await sh(['ip', '-n', fabric, 'link', 'set', 'br0', 'up']);
    for (const [i, n] of nodes.entries()) {
      await sh(['ip', 'netns', 'add', n.name]);
      await sh(['ip', '-n', n.name, 'link', 'set', 'lo', 'up']);
      await sh(['ip', '-n', n.name, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', `port${i}`, 'netns', fabric]);
      await sh(['ip', '-n', fabric, 'link', 'set', `port${i}`, 'master', 'br0', 'up']);
      await sh(['ip', '-n', n.name, 'addr', 'add', `${n.ip}/24`, 'dev', 'eth1']);
      await sh(['ip', '-n', n.name, 'link', 'set', 'eth1', 'up']);
    }
    // 2. The plugin in each node: bridge, masquerade, routes to the other node's pod CIDR.
    for (const n of nodes) {
      const net = new HostGwNetwork({ nodeName: n.name, stateDir: join(stateDir, n.name), runner: netnsRunner(execRunner(), n.name) });
      await net.configure({ podCIDR: n.podCIDR });
      await net.syncRoutes(nodes.map((m) => ({ name: m.name, internalIP: m.ip, podCIDR: m.podCIDR })));
      nets.set(n.name, net);
    }
    // 3. Two pods per node.
    for (const n of nodes) {
      for (const p of ['a', 'b']) {
        const uid = `${tag}-${n.name.slice(-2)}${p}`;
        const { ip, netnsPath } = await nets.get(n.name)!.setUp({ namespace: 'default', name: `pod-${p}`, uid, netnsPath: '' });
        pods.set(`${n.name.slice(-2)}${p}`, { node: n.name, ip, netns: netnsPath.split('/').pop()! });
      }
    }
  });

  afterAll(async () => {
    for (const s of servers) if (s.pid) process.kill(s.pid, 'SIGKILL');
    for (const [key, p] of pods) await nets.get(p.node)?.tearDown({ uid: `${tag}-${key}` }).catch(() => undefined);
    for (const ns of [...nodes.map((n) => n.name), fabric]) await sh(['ip', 'netns', 'del', ns]).catch(() => undefined);
    // Pod namespaces of a failed set-up, if any.
    for (const line of await leftovers(tag)) {
      const ns = line.split(' ')[0];
      if (ns?.startsWith('nk-')) await sh(['ip', 'netns', 'del', ns]).catch(() => undefined);
    }
    await rm(stateDir, { recursive: true, force: true });
  });

  it('gives pods addresses from their node pod CIDR', () => {
    expect(pods.get('n1a')?.ip).toBe('10.244.1.2');
    expect(pods.get('n1b')?.ip).toBe('10.244.1.3');
    expect(pods.get('n2a')?.ip).toBe('10.244.2.2');
    expect(pods.get('n2b')?.ip).toBe('10.244.2.3');
  });

  it('lets a pod reach pods on its own node and on the other node with their own source addresses', async () => {
    const target = pods.get('n2a')!;
    servers.push(await startEchoServer(target.netns, 'n2a', 8080));
    servers.push(await startEchoServer(pods.get('n1b')!.netns, 'n1b', 8080));
    expect(await askEcho(pods.get('n1a')!.netns, target.ip, 8080)).toBe(`n2a ${pods.get('n1a')!.ip}`);
    expect(await askEcho(pods.get('n2b')!.netns, target.ip, 8080)).toBe(`n2a ${pods.get('n2b')!.ip}`);
    expect(await askEcho(pods.get('n2a')!.netns, pods.get('n1b')!.ip, 8080)).toBe(`n1b ${pods.get('n2a')!.ip}`);
  });

  it('masquerades pod traffic leaving the pod network to the node address', async () => {
    const n2 = nodes[1]!;
    servers.push(await startEchoServer(n2.name, 'node2', 8081));
    expect(await askEcho(pods.get('n1a')!.netns, n2.ip, 8081)).toBe(`node2 ${nodes[0]!.ip}`);
  });

  it('has no default route in the nodes, so nothing leaves the test namespaces', async () => {
    for (const n of nodes) expect(await sh(['ip', '-n', n.name, 'route', 'show', 'default'])).toBe('');
  });

  it('tears pods down and leaves no pod namespace, veth or address behind', async () => {
    for (const [key, p] of [...pods]) {
      await nets.get(p.node)!.tearDown({ uid: `${tag}-${key}` });
      pods.delete(key);
    }
    const netnsLeft = (await sh(['ip', 'netns', 'list'])).split('\n').filter((l) => l.startsWith(`nk-${tag}`));
    expect(netnsLeft).toEqual([]);
    for (const n of nodes) {
      expect(await sh(['ip', '-n', n.name, '-o', 'link', 'show', 'type', 'veth'])).not.toMatch(/nkv/);
    }
    // No pod record and no allocation survives on either node.
    for (const n of nodes) {
      expect(await readdir(join(stateDir, n.name, 'pods'))).toEqual([]);
      expect(await new HostLocalIpam({ dir: join(stateDir, n.name, 'ipam'), subnet: n.podCIDR }).list()).toEqual([]);
    }
  });

  it('removes the node network and the test namespaces without leftovers', async () => {
    for (const n of nodes) {
      await nets.get(n.name)!.removeNode();
      expect(await sh(['ip', 'netns', 'exec', n.name, 'iptables', '-t', 'nat', '-S'])).not.toMatch(/NK-POSTROUTING/);
      expect(await sh(['ip', '-n', n.name, 'route', 'show', 'proto', '78'])).toBe('');
    }
    for (const ns of [...nodes.map((n) => n.name), fabric]) await sh(['ip', 'netns', 'del', ns]);
    expect(await leftovers(tag)).toEqual([]);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandRunner } from './exec.js';
import { isNetworkError } from './errors.js';
import { HostGwNetwork, hostVethName, nodeAddressingOf } from './host-gw.js';
import { HostLocalIpam } from './ipam.js';

/** A runner that records commands and answers `ip -j route show` from a list of routes. */
function recordingRunner(routes: { dst: string; gateway: string }[] = []): { runner: CommandRunner; ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    runner: {
      async run(argv) {
        const line = argv.join(' ');
        ran.push(line);
        if (line.startsWith('iptables') && line.includes(' -C ')) throw new Error('Bad rule');
        return { stdout: line.startsWith('ip -j route show') ? JSON.stringify(routes) : '', stderr: '' };
      },
    },
  };
}

const pod = (uid: string) => ({ namespace: 'default', name: `web-${uid}`, uid, netnsPath: '' });

describe('HostGwNetwork', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nk-hostgw-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is not ready and refuses pods until the pod CIDR is configured', async () => {
    const net = new HostGwNetwork({ nodeName: 'worker01', stateDir: dir, runner: recordingRunner().runner });
    expect(net.status().ready).toBe(false);
    expect(isNetworkError(await net.setUp(pod('u1')).catch((e: unknown) => e), 'MK_ERR_NET_NO_POD_CIDR')).toBe(true);
    await net.configure({ podCIDR: '10.244.1.0/24' });
    expect(net.status()).toEqual({ ready: true });
  });

  it('wires a pod with the next address and creates its namespace when the runtime gave none', async () => {
    const { runner, ran } = recordingRunner();
    const net = new HostGwNetwork({ nodeName: 'worker01', stateDir: dir, runner });
    await net.configure({ podCIDR: '10.244.1.0/24' });
    expect(ran).toContain('ip addr replace 10.244.1.1/24 dev nk0');
    ran.length = 0;
    expect(await net.setUp(pod('u1'))).toEqual({ ip: '10.244.1.2', netnsPath: '/run/netns/nk-u1' });
    expect(ran[0]).toBe('ip netns add nk-u1');
    expect(ran).toContain(`ip link set ${hostVethName('u1')} master nk0`);
    expect(ran).toContain('nsenter --net=/run/netns/nk-u1 ip addr replace 10.244.1.2/24 dev eth0');
    expect(await net.setUp({ ...pod('u2'), netnsPath: '/var/run/netns/sb2' })).toEqual({ ip: '10.244.1.3', netnsPath: '/var/run/netns/sb2' });
  });

  it('tears a pod down after a restart from its record and frees the address', async () => {
    const first = new HostGwNetwork({ nodeName: 'worker01', stateDir: dir, runner: recordingRunner().runner });
    await first.configure({ podCIDR: '10.244.1.0/24' });
    await first.setUp(pod('u1'));
    await first.setUp(pod('u2'));

    const { runner, ran } = recordingRunner();
    const second = new HostGwNetwork({ nodeName: 'worker01', stateDir: dir, runner });
    await second.tearDown({ uid: 'u1' });
    expect(ran).toEqual([`ip link del ${hostVethName('u1')}`, 'ip netns del nk-u1']);
    const left = await new HostLocalIpam({ dir: join(dir, 'ipam'), subnet: '10.244.1.0/24' }).list();
    expect(left).toEqual([{ ip: '10.244.1.3', owner: 'u2' }]);
    await second.tearDown({ uid: 'u1' });
  });

  it('garbage-collects pods that no longer exist', async () => {
    const net = new HostGwNetwork({ nodeName: 'worker01', stateDir: dir, runner: recordingRunner().runner });
    await net.configure({ podCIDR: '10.244.1.0/24' });
    for (const uid of ['u1', 'u2', 'u3']) await net.setUp(pod(uid));
    expect((await net.garbageCollect(new Set(['u2']))).sort()).toEqual(['u1', 'u3']);
    const left = await new HostLocalIpam({ dir: join(dir, 'ipam'), subnet: '10.244.1.0/24' }).list();
    expect(left.map((a) => a.owner)).toEqual(['u2']);
  });

  it('routes to every other node pod CIDR via its InternalIP and drops routes of nodes that left', async () => {
    const { runner, ran } = recordingRunner([{ dst: '10.244.3.0/24', gateway: '192.168.56.103' }]);
    const net = new HostGwNetwork({ nodeName: 'worker01', stateDir: dir, runner });
    const node = (name: string, ip: string, cidr?: string) =>
      nodeAddressingOf({ metadata: { name }, ...(cidr ? { spec: { podCIDR: cidr } } : {}), status: { addresses: [{ type: 'Hostname', address: name }, { type: 'InternalIP', address: ip }] } });
    await net.syncRoutes([node('master', '192.168.56.10', '10.244.0.0/24'), node('worker01', '192.168.56.101', '10.244.1.0/24'), node('worker02', '192.168.56.102')]);
    expect(ran).toEqual([
      'ip -j route show proto 78',
      'ip route replace 10.244.0.0/24 via 192.168.56.10 proto 78',
      'ip route del 10.244.3.0/24 proto 78',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { runPlan, type CommandRunner } from './exec.js';
import { NetworkError } from './errors.js';
import { nodeSetUpPlan, nodeTearDownPlan, podSetUpPlan, podTearDownPlan, routeSyncPlan } from './plans.js';

const argvs = (plan: { argv: string[] }[]): string[] => plan.map((c) => c.argv.join(' '));

describe('command plans', () => {
  it('sets a node up: forwarding, bridge with the gateway address, masquerade and forward chains', () => {
    const plan = nodeSetUpPlan({ bridge: 'nk0', gatewayCidr: '10.244.1.1/24', podCidr: '10.244.1.0/24', clusterCidr: '10.244.0.0/16' });
    expect(argvs(plan)).toEqual([
      'sysctl -q -w net.ipv4.ip_forward=1',
      'ip link add nk0 type bridge',
      'ip addr replace 10.244.1.1/24 dev nk0',
      'ip link set nk0 up',
      'iptables -w 5 -t nat -N NK-POSTROUTING',
      'iptables -w 5 -t nat -A NK-POSTROUTING -s 10.244.1.0/24 -d 10.244.0.0/16 -j RETURN',
      'iptables -w 5 -t nat -A NK-POSTROUTING -s 10.244.1.0/24 ! -d 224.0.0.0/4 -j MASQUERADE',
      'iptables -w 5 -t nat -A POSTROUTING -j NK-POSTROUTING',
      'iptables -w 5 -t filter -N NK-FORWARD',
      'iptables -w 5 -t filter -A NK-FORWARD -s 10.244.0.0/16 -j ACCEPT',
      'iptables -w 5 -t filter -A NK-FORWARD -d 10.244.0.0/16 -j ACCEPT',
      'iptables -w 5 -t filter -A FORWARD -j NK-FORWARD',
    ]);
    // Every append is guarded by its -C twin, so a second run adds nothing.
    expect(plan.filter((c) => c.argv.includes('-A')).every((c) => c.unless?.includes('-C'))).toBe(true);
  });

  it('tears a node down jumps first, then chains, then the bridge', () => {
    expect(argvs(nodeTearDownPlan({ bridge: 'nk0' }))).toEqual([
      'iptables -w 5 -t nat -D POSTROUTING -j NK-POSTROUTING',
      'iptables -w 5 -t nat -F NK-POSTROUTING',
      'iptables -w 5 -t nat -X NK-POSTROUTING',
      'iptables -w 5 -t filter -D FORWARD -j NK-FORWARD',
      'iptables -w 5 -t filter -F NK-FORWARD',
      'iptables -w 5 -t filter -X NK-FORWARD',
      'ip link del nk0',
    ]);
  });

  it('wires a pod into a namespace it creates, and removes both again', () => {
    const spec = {
      netnsPath: '/run/netns/nk-u1',
      createNetns: 'nk-u1',
      hostVeth: 'nkv0123456789a',
      bridge: 'nk0',
      ipCidr: '10.244.1.7/24',
      gateway: '10.244.1.1',
    };
    expect(argvs(podSetUpPlan(spec))).toEqual([
      'ip netns add nk-u1',
      'nsenter --net=/run/netns/nk-u1 ip link set lo up',
      'ip link add nkv0123456789a type veth peer name eth0 netns /run/netns/nk-u1',
      'ip link set nkv0123456789a master nk0',
      'ip link set nkv0123456789a up',
      'nsenter --net=/run/netns/nk-u1 ip addr replace 10.244.1.7/24 dev eth0',
      'nsenter --net=/run/netns/nk-u1 ip link set eth0 up',
      'nsenter --net=/run/netns/nk-u1 ip route replace default via 10.244.1.1 dev eth0',
    ]);
    expect(argvs(podTearDownPlan(spec))).toEqual(['ip link del nkv0123456789a', 'ip netns del nk-u1']);
  });

  it('leaves a namespace made by the runtime alone', () => {
    const spec = { netnsPath: '/var/run/netns/sandbox-1', hostVeth: 'nkv1', bridge: 'nk0', ipCidr: '10.244.1.8/24', gateway: '10.244.1.1' };
    expect(argvs(podSetUpPlan(spec)).some((c) => c.startsWith('ip netns add'))).toBe(false);
    expect(argvs(podTearDownPlan(spec))).toEqual(['ip link del nkv1']);
  });

  it('syncs host-gw routes: adds new, replaces moved, deletes stale, keeps unchanged', () => {
    const current = [
      { dst: '10.244.1.0/24', via: '192.168.56.101' },
      { dst: '10.244.2.0/24', via: '192.168.56.102' },
      { dst: '10.244.3.0/24', via: '192.168.56.103' },
    ];
    const wanted = [
      { dst: '10.244.1.0/24', via: '192.168.56.101' },
      { dst: '10.244.2.0/24', via: '192.168.56.110' },
      { dst: '10.244.0.0/24', via: '192.168.56.10' },
    ];
    expect(argvs(routeSyncPlan(current, wanted))).toEqual([
      'ip route replace 10.244.2.0/24 via 192.168.56.110 proto 78',
      'ip route replace 10.244.0.0/24 via 192.168.56.10 proto 78',
      'ip route del 10.244.3.0/24 proto 78',
    ]);
    expect(routeSyncPlan(wanted, wanted)).toEqual([]);
  });
});

describe('runPlan', () => {
  function fakeRunner(fails: Record<string, string>): { runner: CommandRunner; ran: string[] } {
    const ran: string[] = [];
    const runner: CommandRunner = {
      async run(argv) {
        const line = argv.join(' ');
        ran.push(line);
        const stderr = fails[line];
        if (stderr !== undefined) throw new NetworkError('MK_ERR_NET_COMMAND_FAILED', `${line}: ${stderr}`);
        return { stdout: '', stderr: '' };
      },
    };
    return { runner, ran };
  }

  it('skips commands whose check succeeds and tolerates expected failures', async () => {
    const { runner, ran } = fakeRunner({ 'add x': 'RTNETLINK answers: File exists', 'check z': 'Bad rule' });
    await runPlan(runner, [
      { argv: ['add', 'x'], okIfFails: /File exists/ },
      { argv: ['append', 'y'], unless: ['check', 'y'] },
      { argv: ['append', 'z'], unless: ['check', 'z'] },
    ]);
    expect(ran).toEqual(['add x', 'check y', 'check z', 'append z']);
  });

  it('stops at the first unexpected failure', async () => {
    const { runner, ran } = fakeRunner({ 'a 1': 'boom' });
    await expect(runPlan(runner, [{ argv: ['a', '1'], okIfFails: /File exists/ }, { argv: ['a', '2'] }])).rejects.toThrow(/boom/);
    expect(ran).toEqual(['a 1']);
  });
});

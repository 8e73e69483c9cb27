/**
 * The lab's node network on the host: the lab bridge with the host's address, one network namespace
 * per node joined to it by a veth, and a host FORWARD rule (in a chain of the lab's own) so that a host
 * firewall with a DROP policy does not cut bridged lab traffic. Nodes get no default route.
 */
import { readdir, readFile } from 'node:fs/promises';
import { inNetns, sh, shTolerant } from './internal/sh.js';
import { labServiceCIDR, type LabNode, type LabTopology } from './topology.js';

const gone = /Cannot find device|does not exist|No such file|Bad rule|No chain|Cannot remove/;

/** checkHostFree fails when the lab network or any of its names is already in use on this host. */
export async function checkHostFree(t: LabTopology): Promise<void> {
  const netns = (await sh(['ip', 'netns', 'list'])).split('\n').map((l) => l.split(' ')[0]);
  const taken = t.nodes.filter((n) => netns.includes(n.netns)).map((n) => n.netns);
  if (taken.length) throw new Error(`network namespaces already exist: ${taken.join(', ')} (is a lab up? run \`nanokube lab down\`)`);
  const links = await sh(['ip', '-o', 'link', 'show']);
  if (new RegExp(`^\\d+: ${t.bridge}[:@]`, 'm').test(links)) throw new Error(`link ${t.bridge} already exists (is a lab up?)`);
  const addrs = await sh(['ip', '-o', '-4', 'addr', 'show']);
  const net = t.hostIP.split('.').slice(0, 3).join('.') + '.';
  const clash = addrs.split('\n').find((l) => l.includes(` ${net}`));
  if (clash) throw new Error(`this host already has an address in ${net}0/${t.prefixLength}: ${clash.trim()}`);
}

/** createBridge adds the lab bridge with the host's address on it. */
export async function createBridge(t: LabTopology): Promise<void> {
  await sh(['ip', 'link', 'add', t.bridge, 'type', 'bridge']);
  await sh(['ip', 'addr', 'add', `${t.hostIP}/${t.prefixLength}`, 'dev', t.bridge]);
  await sh(['ip', 'link', 'set', t.bridge, 'up']);
}

/** createForwardRules accepts forwarded traffic in and out of the lab bridge, in a chain of the lab's own. */
export async function createForwardRules(t: LabTopology): Promise<void> {
  await shTolerant(['iptables', '-w', '5', '-N', t.forwardChain], /already exists/);
  await sh(['iptables', '-w', '5', '-A', t.forwardChain, '-j', 'ACCEPT']);
  await sh(['iptables', '-w', '5', '-I', 'FORWARD', '1', '-i', t.bridge, '-j', t.forwardChain]);
  await sh(['iptables', '-w', '5', '-I', 'FORWARD', '1', '-o', t.bridge, '-j', t.forwardChain]);
}

/** removeForwardRules deletes the jumps, then the chain; parts already gone are fine. */
export async function removeForwardRules(t: LabTopology): Promise<void> {
  for (const dir of ['-i', '-o']) {
    for (let i = 0; i < 5; i++) {
      try {
        await sh(['iptables', '-w', '5', '-D', 'FORWARD', dir, t.bridge, '-j', t.forwardChain]);
      } catch {
        break;
      }
    }
  }
  await shTolerant(['iptables', '-w', '5', '-F', t.forwardChain], gone);
  await shTolerant(['iptables', '-w', '5', '-X', t.forwardChain], gone);
}

/** createNode makes the node's namespace: loopback up, `eth0` on the lab bridge with its address and an on-link route to the Service range, no default route. */
export async function createNode(t: LabTopology, n: LabNode): Promise<void> {
  await sh(['ip', 'netns', 'add', n.netns]);
  await sh(inNetns(n.netns, ['ip', 'link', 'set', 'lo', 'up']));
  await sh(['ip', 'link', 'add', n.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', `/run/netns/${n.netns}`]);
  await sh(['ip', 'link', 'set', n.hostVeth, 'master', t.bridge]);
  await sh(['ip', 'link', 'set', n.hostVeth, 'up']);
  await sh(inNetns(n.netns, ['ip', 'addr', 'add', `${n.ip}/${t.prefixLength}`, 'dev', 'eth0']));
  await sh(inNetns(n.netns, ['ip', 'link', 'set', 'eth0', 'up']));
  // A node's own connections to a ClusterIP need a route before the proxy's OUTPUT DNAT rewrites them
  // (upstream nodes use their default route). On-link, so a ClusterIP nothing DNATs goes nowhere: no one
  // on the lab bridge answers ARP for it.
  await sh(inNetns(n.netns, ['ip', 'route', 'add', labServiceCIDR, 'dev', 'eth0']));
  await sh(inNetns(n.netns, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']));
}

/** killNetnsProcesses SIGKILLs every process still inside the node's namespace (containers of its kubelet). */
export async function killNetnsProcesses(n: LabNode): Promise<number> {
  const pids = (await sh(['ip', 'netns', 'pids', n.netns]).catch(() => ''))
    .split('\n')
    .map(Number)
    .filter((p) => p > 1 && p !== process.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return pids.length;
}

/** deleteNode removes the node's namespace; its veth pair (and pod veths inside it) go with it. */
export async function deleteNode(n: LabNode): Promise<void> {
  await shTolerant(['ip', 'netns', 'del', n.netns], gone);
  await shTolerant(['ip', 'link', 'del', n.hostVeth], gone);
}

/** deleteBridge removes the lab bridge (and with it the host's lab address). */
export async function deleteBridge(t: LabTopology): Promise<void> {
  await shTolerant(['ip', 'link', 'del', t.bridge], gone);
}

/** deletePodNamespaces deletes the pod namespaces the pod network recorded under a node's state folder. */
export async function deletePodNamespaces(recordsDir: string): Promise<string[]> {
  const deleted: string[] = [];
  for (const f of await readdir(recordsDir).catch(() => [] as string[])) {
    const rec = JSON.parse(await readFile(`${recordsDir}/${f}`, 'utf8').catch(() => '{}')) as { createNetns?: string };
    if (!rec.createNetns) continue;
    await shTolerant(['ip', 'netns', 'del', rec.createNetns], gone);
    deleted.push(rec.createNetns);
  }
  return deleted;
}

/**
 * The command plans of the pod network, as plain data: what `ip`, `iptables` and `sysctl` run to set
 * up a node (bridge, forwarding, masquerade), a pod (netns, veth, address, default route) and the
 * host-gw routes to other nodes. Every plan is idempotent: running it twice changes nothing more.
 */
import type { Command } from './exec.js';

/** The chain in the nat table holding the masquerade rules; jumped to from POSTROUTING. */
export const masqueradeChain = 'NK-POSTROUTING';
/** The chain in the filter table accepting pod traffic; jumped to from FORWARD. */
export const forwardChain = 'NK-FORWARD';
/** The routing protocol number marking host-gw routes as ours (so stale ones can be found and removed). */
export const routeProtocol = '78';

/** What a node's network is made of. */
export interface NodeNetworkSpec {
  bridge: string;
  /** The bridge's address with prefix: the pod CIDR's first address, e.g. `10.244.1.1/24`. */
  gatewayCidr: string;
  podCidr: string;
  /** The whole pod network, e.g. `10.244.0.0/16`: traffic inside it is never masqueraded. */
  clusterCidr: string;
}

/** What one pod's network is made of. */
export interface PodNetworkSpec {
  /** The pod's network namespace, e.g. `/run/netns/nk-<uid>`. */
  netnsPath: string;
  /** Set when the plugin creates the namespace itself (`ip netns add <name>`), unset when the runtime did. */
  createNetns?: string;
  hostVeth: string;
  bridge: string;
  /** The pod's address with prefix, e.g. `10.244.1.7/24`. */
  ipCidr: string;
  gateway: string;
}

/** A route to another node's pod CIDR through that node's address. */
export interface HostGwRoute {
  dst: string;
  via: string;
}

const iptables = (...args: string[]): string[] => ['iptables', '-w', '5', ...args];
const missingRule = /Bad rule|does a matching rule exist|No chain|does not exist|No such file/;

/** nodeSetUpPlan makes the node bridge, turns forwarding on and installs the masquerade and forward rules. */
export function nodeSetUpPlan(n: NodeNetworkSpec): Command[] {
  const masqReturn = ['-t', 'nat', '-s', n.podCidr, '-d', n.clusterCidr, '-j', 'RETURN'];
  const masq = ['-t', 'nat', '-s', n.podCidr, '!', '-d', '224.0.0.0/4', '-j', 'MASQUERADE'];
  const fwdOut = ['-t', 'filter', '-s', n.clusterCidr, '-j', 'ACCEPT'];
  const fwdIn = ['-t', 'filter', '-d', n.clusterCidr, '-j', 'ACCEPT'];
  return [
    { argv: ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'] },
    { argv: ['ip', 'link', 'add', n.bridge, 'type', 'bridge'], okIfFails: /File exists/ },
    { argv: ['ip', 'addr', 'replace', n.gatewayCidr, 'dev', n.bridge] },
    { argv: ['ip', 'link', 'set', n.bridge, 'up'] },
    ...ensureChain('nat', masqueradeChain, 'POSTROUTING', [masqReturn, masq]),
    ...ensureChain('filter', forwardChain, 'FORWARD', [fwdOut, fwdIn]),
  ];
}

/** nodeTearDownPlan removes what {@link nodeSetUpPlan} made, the jumps first; missing pieces are fine. */
export function nodeTearDownPlan(n: Pick<NodeNetworkSpec, 'bridge'>): Command[] {
  const removeChain = (table: string, chain: string, from: string): Command[] => [
    { argv: iptables('-t', table, '-D', from, '-j', chain), okIfFails: missingRule },
    { argv: iptables('-t', table, '-F', chain), okIfFails: missingRule },
    { argv: iptables('-t', table, '-X', chain), okIfFails: missingRule },
  ];
  return [
    ...removeChain('nat', masqueradeChain, 'POSTROUTING'),
    ...removeChain('filter', forwardChain, 'FORWARD'),
    { argv: ['ip', 'link', 'del', n.bridge], okIfFails: /Cannot find device|does not exist/ },
  ];
}

/** podSetUpPlan wires the pod's `eth0` into the node bridge (creating its namespace first when asked). */
export function podSetUpPlan(p: PodNetworkSpec): Command[] {
  const inPod = (...args: string[]): string[] => ['nsenter', `--net=${p.netnsPath}`, 'ip', ...args];
  const create: Command[] = p.createNetns ? [{ argv: ['ip', 'netns', 'add', p.createNetns], okIfFails: /File exists/ }] : [];
  return [
    ...create,
    { argv: inPod('link', 'set', 'lo', 'up') },
    { argv: ['ip', 'link', 'add', p.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', p.netnsPath], okIfFails: /File exists/ },
    { argv: ['ip', 'link', 'set', p.hostVeth, 'master', p.bridge] },
    { argv: ['ip', 'link', 'set', p.hostVeth, 'up'] },
    { argv: inPod('addr', 'replace', p.ipCidr, 'dev', 'eth0') },
    { argv: inPod('link', 'set', 'eth0', 'up') },
    { argv: inPod('route', 'replace', 'default', 'via', p.gateway, 'dev', 'eth0') },
  ];
}

/**
 * podTearDownPlan deletes the pod's veth pair (which takes `eth0` with it) and, when the plugin created
 * the namespace, the namespace too; pieces already gone are fine.
 */
export function podTearDownPlan(p: Pick<PodNetworkSpec, 'createNetns' | 'hostVeth'>): Command[] {
  const plan: Command[] = [{ argv: ['ip', 'link', 'del', p.hostVeth], okIfFails: /Cannot find device|does not exist/ }];
  if (p.createNetns) plan.push({ argv: ['ip', 'netns', 'del', p.createNetns], okIfFails: /No such file|Cannot remove|does not exist/ });
  return plan;
}

/**
 * routeSyncPlan turns the routes in place (ours, found by {@link routeProtocol}) into the wanted ones:
 * `replace` for new or changed routes, `del` for routes to nodes that are gone.
 */
export function routeSyncPlan(current: readonly HostGwRoute[], wanted: readonly HostGwRoute[]): Command[] {
  const plan: Command[] = [];
  for (const r of wanted) {
    if (current.some((c) => c.dst === r.dst && c.via === r.via)) continue;
    plan.push({ argv: ['ip', 'route', 'replace', r.dst, 'via', r.via, 'proto', routeProtocol] });
  }
  for (const c of current) {
    if (wanted.some((r) => r.dst === c.dst)) continue;
    plan.push({ argv: ['ip', 'route', 'del', c.dst, 'proto', routeProtocol], okIfFails: /No such process/ });
  }
  return plan;
}

function ensureChain(table: string, chain: string, from: string, rules: string[][]): Command[] {
  const plan: Command[] = [{ argv: iptables('-t', table, '-N', chain), okIfFails: /already exists/ }];
  for (const rule of rules) {
    const spec = rule.slice(2);
    plan.push({ argv: iptables(...rule.slice(0, 2), '-A', chain, ...spec), unless: iptables(...rule.slice(0, 2), '-C', chain, ...spec) });
  }
  plan.push({ argv: iptables('-t', table, '-A', from, '-j', chain), unless: iptables('-t', table, '-C', from, '-j', chain) });
  return plan;
}

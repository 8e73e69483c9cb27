/**
 * The lab's topology, the same as the Vagrant lab's: a node network 192.168.56.0/24 with the host at
 * .1, the master at .10 and worker01-03 at .101-.103. Each node is a network namespace joined to a lab
 * bridge on the host by a veth (`eth0` inside the node). Names of namespaces, links and the iptables
 * chain derive from one optional prefix so that tests can build a lab that cannot collide with a
 * user's (`--prefix nkt1a2b3-` gives namespaces `nkt1a2b3-master`, ...).
 */

/** One node of the lab. */
export interface LabNode {
  name: string;
  /** The node's address on the lab network (its InternalIP). */
  ip: string;
  role: 'control-plane' | 'worker';
  /** The node's network namespace (`/run/netns/<netns>`). */
  netns: string;
  /** The host end of the node's veth, attached to the lab bridge. */
  hostVeth: string;
  /** The cgroup the node's pods run under (removed by `lab down`). */
  cgroupParent: string;
}

/** The whole lab network. */
export interface LabTopology {
  /** Prefix length of the node network. */
  prefixLength: number;
  hostIP: string;
  bridge: string;
  /** A filter-table chain of the host accepting traffic that crosses the lab bridge; jumped to from FORWARD. */
  forwardChain: string;
  nodes: LabNode[];
}

/** The lab's apiserver port on the master. */
export const labApiserverPort = 6443;
/** The apiserver's Service ClusterIP range (its default `--service-cluster-ip-range`). */
export const labServiceCIDR = '10.96.0.0/12';
/** The store's client URL inside the master's namespace (loopback: only the apiserver talks to it). */
export const labStoreUrl = 'http://127.0.0.1:2379';
/** The name of the context, cluster and (with `-admin`) user merged into the user's kubeconfig. */
export const labContextName = 'nanokube-lab';

/** labTopology builds the lab's topology; `prefix` (letters, digits, `-`; at most 9) renames everything. */
export function labTopology(opts: { prefix?: string; workers?: number } = {}): LabTopology {
  const prefix = opts.prefix ?? '';
  if (!/^[a-z0-9-]{0,9}$/.test(prefix)) throw new Error(`lab prefix "${prefix}" must be at most 9 of [a-z0-9-]`);
  const workers = opts.workers ?? 3;
  const linkBase = prefix ? prefix.replace(/-$/, '') : 'nklab';
  const names: { name: string; ip: string; role: LabNode['role'] }[] = [{ name: 'master', ip: '192.168.56.10', role: 'control-plane' }];
  for (let i = 1; i <= workers; i++) {
    names.push({ name: `worker${String(i).padStart(2, '0')}`, ip: `192.168.56.${100 + i}`, role: 'worker' });
  }
  return {
    prefixLength: 24,
    hostIP: '192.168.56.1',
    bridge: `${linkBase}0`,
    forwardChain: prefix ? `${linkBase.toUpperCase()}-LAB-FWD` : 'NK-LAB-FORWARD',
    nodes: names.map((n, i) => ({
      ...n,
      netns: `${prefix}${n.name}`,
      hostVeth: `${linkBase}-v${i}`,
      cgroupParent: `nanokube-lab-${prefix}${n.name}`,
    })),
  };
}

/** nodeDirOf is a node's state folder inside the lab folder. */
export function nodeDirOf(dir: string, node: string): string {
  return `${dir.replace(/\/$/, '')}/${node}`;
}

/** masterOf is the topology's control-plane node. */
export function masterOf(t: LabTopology): LabNode {
  const m = t.nodes.find((n) => n.role === 'control-plane');
  if (!m) throw new Error('the lab topology has no control-plane node');
  return m;
}

/** netnsOf is the namespace of a node of the topology. */
export function netnsOf(t: LabTopology, node: string): string {
  const n = t.nodes.find((x) => x.name === node);
  if (!n) throw new Error(`no node "${node}" in this lab (nodes: ${t.nodes.map((x) => x.name).join(', ')})`);
  return n.netns;
}

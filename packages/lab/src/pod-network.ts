/**
 * The pod network of the lab's nodes: once the controller-manager has given every node a pod CIDR, each
 * node gets its bridge `nk0` (the CIDR's first address), forwarding, masquerade and host-gw routes to the
 * other nodes' CIDRs, set up from outside its namespace with the kubelet's own plugin. A kubelet that
 * wires pods later runs the same idempotent plans and finds everything in place.
 */
import { join } from 'node:path';
import type { LabNodeObject } from './api.js';
import type { LabNode } from './topology.js';

/** The parts of `@nanokube/kubelet`'s network module the lab uses. */
interface NetworkModule {
  HostGwNetwork: new (opts: { nodeName: string; stateDir: string; runner: unknown }) => {
    configure(opts: { podCIDR: string }): Promise<void>;
    syncRoutes(nodes: { name: string; internalIP?: string; podCIDR?: string }[]): Promise<void>;
  };
  execRunner(): unknown;
  netnsRunner(inner: unknown, netns: string): unknown;
}

// TODO(#6): import these statically once `@nanokube/kubelet`'s index re-exports `./network/index.js`.
async function loadNetworkModule(): Promise<NetworkModule | undefined> {
  const mod = (await import('@nanokube/kubelet')) as unknown as Partial<NetworkModule>;
  return mod.HostGwNetwork && mod.execRunner && mod.netnsRunner ? (mod as NetworkModule) : undefined;
}

/** podNetworkStateDir is where a node's pod network keeps its allocations and pod records. */
export function podNetworkStateDir(nodeDir: string): string {
  return join(nodeDir, 'network');
}

/**
 * setUpPodNetworks configures every node that has a pod CIDR and returns a line per node for the person
 * at the terminal; nodes without one (no controller-manager) are reported and skipped.
 */
export async function setUpPodNetworks(nodes: LabNode[], objects: LabNodeObject[], nodeDir: (n: string) => string): Promise<string[]> {
  const mod = await loadNetworkModule();
  if (!mod) return ['[network] skipped: this build of the kubelet has no pod network plugin'];
  const addressing = objects.map((o) => ({
    name: o.metadata?.name ?? '',
    ...(o.spec?.podCIDR ? { podCIDR: o.spec.podCIDR } : {}),
    ...(ipOf(o) ? { internalIP: ipOf(o) } : {}),
  }));
  const lines: string[] = [];
  for (const n of nodes) {
    const podCIDR = addressing.find((a) => a.name === n.name)?.podCIDR;
    if (!podCIDR) {
      lines.push(`[network] ${n.name}: no pod CIDR yet (is the controller-manager running?)`);
      continue;
    }
    const net = new mod.HostGwNetwork({ nodeName: n.name, stateDir: podNetworkStateDir(nodeDir(n.name)), runner: mod.netnsRunner(mod.execRunner(), n.netns) });
    await net.configure({ podCIDR });
    await net.syncRoutes(addressing);
    const others = addressing.filter((a) => a.name !== n.name && a.podCIDR).length;
    lines.push(`[network] ${n.name}: bridge nk0 on ${podCIDR}, routes to ${others} other node${others === 1 ? '' : 's'}`);
  }
  return lines;
}

function ipOf(o: LabNodeObject): string | undefined {
  return o.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

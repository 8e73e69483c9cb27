/**
 * HostGwNetwork is nanokube's pod network plugin (what a CNI bridge + host-local + flannel host-gw
 * setup does, in one): every pod gets a veth into the node bridge `nk0`, an address from the node's
 * pod CIDR, and a default route through the bridge; nodes reach each other's pod CIDRs through each
 * other's node addresses; pod traffic leaving the pod network is masqueraded to the node address.
 *
 * Every command runs through a {@link CommandRunner} in the runner's network namespace: the kubelet's
 * own (it runs inside its node), or a node namespace driven from outside (tests, `nanokube lab`).
 * State that must survive restarts lives under `stateDir`: the IP allocations and one record per pod.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@nanokube/component-base';
import type { PodNetwork, PodNetworkRequest } from '../runtime/types.js';
import { formatCidr, formatIPv4, gatewayOf, parseCidr } from './cidr.js';
import { NetworkError } from './errors.js';
import { execRunner, runPlan, type CommandRunner } from './exec.js';
import { HostLocalIpam } from './ipam.js';
import { nodeSetUpPlan, nodeTearDownPlan, podSetUpPlan, podTearDownPlan, routeProtocol, routeSyncPlan, type HostGwRoute } from './plans.js';

/** Options of {@link HostGwNetwork}. */
export interface HostGwNetworkOptions {
  /** The node this plugin runs on: its own pod CIDR gets no host-gw route. */
  nodeName: string;
  /** Folder for allocations (`ipam/`) and pod records (`pods/`). */
  stateDir: string;
  /** Default: run commands as child processes in this process's network namespace. */
  runner?: CommandRunner;
  /** Default `nk0`. */
  bridge?: string;
  /** The whole pod network; default `10.244.0.0/16`. */
  clusterCIDR?: string;
  log?: Logger;
}

/** Where a node's pods live, as the plugin needs it for host-gw routes. */
export interface NodeAddressing {
  name: string;
  /** The node's address on the node network (its `InternalIP`). */
  internalIP?: string;
  podCIDR?: string;
}

/** What the plugin remembers about a wired pod, so tear-down works after a restart. */
interface PodRecord {
  namespace: string;
  name: string;
  uid: string;
  ip: string;
  subnet: string;
  netnsPath: string;
  createNetns?: string;
  hostVeth: string;
}

/** podNetnsName is the name of the network namespace the plugin creates for a pod when the runtime gave none. */
export function podNetnsName(uid: string): string {
  return `nk-${uid}`;
}

/** hostVethName is the node-side name of a pod's veth: `nkv` and 11 hex digits of the uid's hash (IFNAMSIZ is 16). */
export function hostVethName(uid: string): string {
  return `nkv${createHash('sha256').update(uid).digest('hex').slice(0, 11)}`;
}

/** HostGwNetwork implements {@link PodNetwork} with a node bridge, veths, host-local IPAM and host-gw routes. */
export class HostGwNetwork implements PodNetwork {
  private readonly runner: CommandRunner;
  private readonly bridge: string;
  private readonly clusterCIDR: string;
  private ipam: HostLocalIpam | undefined;
  private routeSync: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: HostGwNetworkOptions) {
    this.runner = opts.runner ?? execRunner();
    this.bridge = opts.bridge ?? 'nk0';
    this.clusterCIDR = formatCidr(parseCidr(opts.clusterCIDR ?? '10.244.0.0/16'));
  }

  /** configure sets the node's pod CIDR up: the bridge with the CIDR's first address, forwarding, masquerade. */
  async configure(opts: { podCIDR: string }): Promise<void> {
    const subnet = parseCidr(opts.podCIDR);
    const podCidr = formatCidr(subnet);
    if (this.ipam && formatCidr(this.ipam.subnet) === podCidr) return;
    await runPlan(this.runner, nodeSetUpPlan({
      bridge: this.bridge,
      gatewayCidr: `${formatIPv4(gatewayOf(subnet))}/${subnet.prefix}`,
      podCidr,
      clusterCidr: this.clusterCIDR,
    }));
    this.ipam = new HostLocalIpam({ dir: join(this.opts.stateDir, 'ipam'), subnet: podCidr });
    this.opts.log?.info({ podCIDR: podCidr, bridge: this.bridge }, 'Configured node pod network');
  }

  /** status is ready once {@link configure} has run. */
  status(): { ready: boolean; message?: string } {
    if (this.ipam) return { ready: true };
    return { ready: false, message: 'network plugin is not ready: the node has no pod CIDR yet' };
  }

  /**
   * setUp gives the pod an address and wires it. With an empty `netnsPath` the plugin creates the
   * namespace (`/run/netns/nk-<uid>`) and deletes it again in {@link tearDown}. Idempotent.
   */
  async setUp(req: PodNetworkRequest): Promise<{ ip: string; netnsPath: string }> {
    const ipam = this.ipam;
    if (!ipam) throw new NetworkError('MK_ERR_NET_NO_POD_CIDR', 'the node has no pod CIDR yet');
    const ip = await ipam.allocate(req.uid);
    const createNetns = req.netnsPath ? undefined : podNetnsName(req.uid);
    const rec: PodRecord = {
      namespace: req.namespace,
      name: req.name,
      uid: req.uid,
      ip,
      subnet: formatCidr(ipam.subnet),
      netnsPath: req.netnsPath || `/run/netns/${createNetns}`,
      hostVeth: hostVethName(req.uid),
      ...(createNetns ? { createNetns } : {}),
    };
    await this.writeRecord(rec);
    try {
      await runPlan(this.runner, podSetUpPlan({
        ...rec,
        bridge: this.bridge,
        ipCidr: `${ip}/${ipam.subnet.prefix}`,
        gateway: formatIPv4(gatewayOf(ipam.subnet)),
      }));
    } catch (err) {
      await this.tearDown(req).catch(() => undefined);
      throw err;
    }
    this.opts.log?.debug({ pod: `${req.namespace}/${req.name}`, podIP: ip }, 'Wired pod network');
    return { ip, netnsPath: rec.netnsPath };
  }

  /** tearDown unwires the pod and frees its address, from its record when one survives. Idempotent. */
  async tearDown(req: Pick<PodNetworkRequest, 'uid'>): Promise<void> {
    const rec = await this.readRecord(req.uid);
    await runPlan(this.runner, podTearDownPlan({
      hostVeth: rec?.hostVeth ?? hostVethName(req.uid),
      ...(rec?.createNetns ? { createNetns: rec.createNetns } : {}),
    }));
    const subnets = new Set([rec?.subnet, this.ipam && formatCidr(this.ipam.subnet)]);
    for (const subnet of subnets) {
      if (subnet) await new HostLocalIpam({ dir: join(this.opts.stateDir, 'ipam'), subnet }).release(req.uid);
    }
    await rm(this.recordPath(req.uid), { force: true });
  }

  /**
   * garbageCollect tears down every pod the plugin wired that is not in `liveUids` and frees addresses
   * held by anything else (the kubelet calls it at start with the pods it still runs: no leak after restarts).
   */
  async garbageCollect(liveUids: ReadonlySet<string>): Promise<string[]> {
    const gone = (await this.recordedUids()).filter((uid) => !liveUids.has(uid));
    for (const uid of gone) await this.tearDown({ uid });
    if (this.ipam) await this.ipam.releaseExcept(liveUids);
    return gone;
  }

  /**
   * syncRoutes makes the host-gw routes match the nodes: one route per other node's pod CIDR via its
   * InternalIP; routes to nodes that are gone (or changed) are replaced or removed. Calls are serialised.
   */
  syncRoutes(nodes: readonly NodeAddressing[]): Promise<void> {
    const wanted: HostGwRoute[] = [];
    for (const n of nodes) {
      if (n.name === this.opts.nodeName || !n.internalIP || !n.podCIDR) continue;
      wanted.push({ dst: formatCidr(parseCidr(n.podCIDR)), via: n.internalIP });
    }
    const run = this.routeSync.then(async () => runPlan(this.runner, routeSyncPlan(await this.currentRoutes(), wanted)));
    this.routeSync = run.catch(() => undefined);
    return run;
  }

  /** removeNode undoes {@link configure} and {@link syncRoutes}: routes, rules, chains and the bridge. */
  async removeNode(): Promise<void> {
    await runPlan(this.runner, routeSyncPlan(await this.currentRoutes(), []));
    await runPlan(this.runner, nodeTearDownPlan({ bridge: this.bridge }));
    this.ipam = undefined;
  }

  private async currentRoutes(): Promise<HostGwRoute[]> {
    const { stdout } = await this.runner.run(['ip', '-j', 'route', 'show', 'proto', routeProtocol]);
    const rows = JSON.parse(stdout || '[]') as { dst?: string; gateway?: string }[];
    return rows.flatMap((r) => (r.dst && r.gateway ? [{ dst: r.dst, via: r.gateway }] : []));
  }

  private recordPath(uid: string): string {
    return join(this.opts.stateDir, 'pods', `${uid}.json`);
  }

  private async writeRecord(rec: PodRecord): Promise<void> {
    await mkdir(join(this.opts.stateDir, 'pods'), { recursive: true });
    await writeFile(this.recordPath(rec.uid), JSON.stringify(rec));
  }

  private async readRecord(uid: string): Promise<PodRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.recordPath(uid), 'utf8')) as PodRecord;
    } catch {
      return undefined;
    }
  }

  private async recordedUids(): Promise<string[]> {
    const names = await readdir(join(this.opts.stateDir, 'pods')).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length));
  }
}

/** nodeAddressingOf reads what {@link HostGwNetwork.syncRoutes} needs from a Node object. */
export function nodeAddressingOf(node: {
  metadata?: { name?: string };
  spec?: { podCIDR?: string };
  status?: { addresses?: { type: string; address: string }[] };
}): NodeAddressing {
  const internalIP = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  return {
    name: node.metadata?.name ?? '',
    ...(internalIP ? { internalIP } : {}),
    ...(node.spec?.podCIDR ? { podCIDR: node.spec.podCIDR } : {}),
  };
}

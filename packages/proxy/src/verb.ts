/**
 * `nanokube proxy`: kube-proxy in iptables mode, one per node. Serves /healthz and /livez over HTTP on
 * --healthz-bind-address (0.0.0.0:10256) and /metrics on --metrics-bind-address (127.0.0.1:10249).
 * Unless --lb-announce=false it also holds the LoadBalancer addresses this node owns on
 * --lb-announce-interface (MetalLB layer2 mode, see l2/). `--cleanup` removes every rule, chain and
 * announced address it owns and exits.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Server } from 'node:http';
import type { Node } from 'kubernetes-types/core/v1.js';
import { configFromKubeconfig, EventRecorder, resources, ResourceClient, RestClient } from '@nanokube/client';
import { createLogger, createMetricsRegistry, formatHelp, parseFlags, shutdownSignal, stringFlag, UsageError, type FlagSpecs, type Logger, type Verb } from '@nanokube/component-base';
import { parseDuration } from './duration.js';
import { ProxierHealth, startHealthServer } from './health-server.js';
import { ExecIptables } from './iptables/iptables.js';
import { cleanupRules } from './iptables/jumps.js';
import { ExecAddresses, interfaceOf } from './l2/addresses.js';
import { cleanupAnnouncedAddresses, L2Announcer } from './l2/announcer.js';
import { ProxierMetrics, startMetricsServer } from './metrics.js';
import { Proxier } from './proxier.js';
import { isIPv4 } from './service-port.js';

const flags: FlagSpecs = {
  kubeconfig: { type: 'string', description: 'Path to the kubeconfig with the proxy credentials (required unless --cleanup)' },
  'hostname-override': { type: 'string', description: 'Name of this node (default: the hostname)' },
  'node-ip': { type: 'string', description: "This node's IP (default: the Node's InternalIP)" },
  'cluster-cidr': { type: 'string', description: 'The pod network; ClusterIP traffic from outside it is masqueraded', default: '10.244.0.0/16' },
  'nodeport-addresses': { type: 'string', description: 'Comma-separated IPs NodePorts answer on, or "all" (default: the node IP)' },
  'healthz-bind-address': { type: 'string', description: 'Address and port of /healthz and /livez (empty disables)', default: '0.0.0.0:10256' },
  'metrics-bind-address': { type: 'string', description: 'Address and port of /metrics (empty disables)', default: '127.0.0.1:10249' },
  'iptables-min-sync-period': { type: 'string', description: 'Minimum time between two rule syncs', default: '1s' },
  'iptables-sync-period': { type: 'string', description: 'How often the rules are checked for outside changes', default: '30s' },
  'masquerade-all': { type: 'string', description: 'Masquerade all traffic sent to ClusterIPs (true|false)', default: 'false' },
  'lb-announce': { type: 'string', description: 'Announce the LoadBalancer addresses this node owns on the local network, MetalLB layer2 style (true|false)', default: 'true' },
  'lb-announce-interface': { type: 'string', description: 'Interface that holds the announced addresses (default: the one holding the node IP)' },
  cleanup: { type: 'boolean', description: 'Remove every iptables rule and chain and every announced address the proxy created, then exit' },
};

const usage =
  'nanokube proxy --kubeconfig FILE [--hostname-override NODE] [--node-ip IP] [--cluster-cidr CIDR] [--lb-announce-interface IFACE] | nanokube proxy --cleanup';
const summary = 'Run the service proxy: program iptables for ClusterIP, NodePort and LoadBalancer Services.';

function boolFlag(value: string | undefined, name: string): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new UsageError(`flag --${name} must be true or false, got "${value}"`);
}

function durationFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  try {
    return parseDuration(value);
  } catch {
    throw new UsageError(`flag --${name} must be a duration like 1s or 500ms, got "${value}"`);
  }
}

function splitHostPort(addr: string, flag = 'healthz-bind-address'): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const port = Number(addr.slice(i + 1));
  if (i < 0 || !Number.isInteger(port)) throw new UsageError(`flag --${flag} must be HOST:PORT, got "${addr}"`);
  return { host: addr.slice(0, i) || '0.0.0.0', port };
}

/** resolveNodeIP reads the Node's InternalIP, waiting up to 30 s for the kubelet to register it. */
async function resolveNodeIP(rest: RestClient, nodeName: string, log: Logger, signal: AbortSignal): Promise<string | undefined> {
  const nodes = new ResourceClient<Node>(rest, resources.nodes);
  for (let i = 0; i < 30 && !signal.aborted; i++) {
    try {
      const node = await nodes.get(nodeName, { signal });
      const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      if (isIPv4(ip)) return ip;
    } catch {
      // Not registered yet: retry below.
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  log.warn({ node: nodeName }, 'Could not read the node IP, NodePorts answer on every local address');
  return undefined;
}

/** newAnnouncer sets up layer2 announcements on --lb-announce-interface or the node IP's interface. */
async function newAnnouncer(rest: RestClient, nodeName: string, nodeIP: string | undefined, ifaceFlag: string | undefined, log: Logger): Promise<L2Announcer | undefined> {
  const addresses = new ExecAddresses();
  let iface = ifaceFlag;
  if (!iface && nodeIP) iface = await interfaceOf(addresses, nodeIP).catch(() => undefined);
  if (!iface) {
    log.warn({ nodeIP }, 'No interface holds the node IP, not announcing load balancer addresses');
    return undefined;
  }
  warnIfArpIgnored(iface, log);
  const events = new EventRecorder({ events: new ResourceClient(rest, resources.events), component: 'metallb-speaker', host: nodeName, log });
  log.info({ iface }, 'Announcing load balancer addresses with layer2');
  return new L2Announcer({ nodeName, iface, addresses, log, events });
}

/** warnIfArpIgnored: with arp_ignore 2 or more the kernel does not answer ARP for a /32 from another subnet. */
function warnIfArpIgnored(iface: string, log: Logger): void {
  for (const scope of ['all', iface]) {
    try {
      const value = Number(readFileSync(`/proc/sys/net/ipv4/conf/${scope}/arp_ignore`, 'utf8').trim());
      if (value >= 2) log.warn({ iface, scope, arpIgnore: value }, 'arp_ignore keeps this node from answering ARP for announced addresses');
    } catch {
      // Not Linux, or no such interface: nothing to check.
    }
  }
}

async function run(argv: string[]): Promise<number> {
  const f = parseFlags(argv, flags);
  if (f.values['help']) {
    process.stdout.write(formatHelp(usage, summary, flags));
    return 0;
  }
  const log = createLogger({ component: 'proxy' });
  const iptables = new ExecIptables();
  if (f.values['cleanup']) {
    const deleted = await cleanupRules(iptables);
    log.info({ chains: deleted }, 'Removed the proxy rules');
    const addresses = await cleanupAnnouncedAddresses(new ExecAddresses());
    log.info({ addresses }, 'Removed the announced load balancer addresses');
    return 0;
  }
  const kubeconfig = stringFlag(f, 'kubeconfig', true) as string;
  const nodeName = stringFlag(f, 'hostname-override') ?? hostname();
  const minSyncPeriodMs = durationFlag(stringFlag(f, 'iptables-min-sync-period'), 'iptables-min-sync-period', 1_000);
  const syncPeriodMs = durationFlag(stringFlag(f, 'iptables-sync-period'), 'iptables-sync-period', 30_000);
  const masqueradeAll = boolFlag(stringFlag(f, 'masquerade-all'), 'masquerade-all');
  const lbAnnounce = boolFlag(stringFlag(f, 'lb-announce'), 'lb-announce');
  const clusterCIDR = stringFlag(f, 'cluster-cidr');
  const healthAddr = stringFlag(f, 'healthz-bind-address');
  const metricsAddr = stringFlag(f, 'metrics-bind-address');
  const metricsListen = metricsAddr ? splitHostPort(metricsAddr, 'metrics-bind-address') : undefined;
  const signal = shutdownSignal();
  const rest = new RestClient(await configFromKubeconfig(kubeconfig, { userAgent: 'kube-proxy/v1.30.0 (linux/amd64) nanokube' }));
  const nodeIP = stringFlag(f, 'node-ip') ?? (await resolveNodeIP(rest, nodeName, log, signal));
  const npFlag = stringFlag(f, 'nodeport-addresses');
  const nodePortAddresses = npFlag === 'all' ? undefined : npFlag ? npFlag.split(',').map((s) => s.trim()) : nodeIP ? [nodeIP] : undefined;
  const health = new ProxierHealth(2 * syncPeriodMs);
  let server: Server | undefined;
  if (healthAddr) {
    const { host, port } = splitHostPort(healthAddr);
    server = await startHealthServer(health, host, port);
  }
  let metrics: ProxierMetrics | undefined;
  let metricsServer: Server | undefined;
  if (metricsListen) {
    const registry = createMetricsRegistry();
    metrics = new ProxierMetrics(registry);
    metricsServer = await startMetricsServer({ registry, ...metricsListen, log });
  }
  const l2Announcer = lbAnnounce ? await newAnnouncer(rest, nodeName, nodeIP, stringFlag(f, 'lb-announce-interface'), log) : undefined;
  const proxier = new Proxier({
    rest,
    log,
    iptables,
    nodeName,
    health,
    minSyncPeriodMs,
    syncPeriodMs,
    masqueradeAll,
    ...(metrics ? { metrics } : {}),
    ...(nodeIP ? { nodeIP } : {}),
    ...(nodePortAddresses ? { nodePortAddresses } : {}),
    ...(clusterCIDR ? { clusterCIDR } : {}),
    ...(l2Announcer ? { l2Announcer } : {}),
  });
  log.info({ node: nodeName, nodeIP, clusterCIDR }, 'Starting the service proxy');
  try {
    await proxier.run(signal);
  } finally {
    server?.close();
    metricsServer?.close();
    await rest.close();
  }
  return 0;
}

/** proxyVerb is `nanokube proxy`. */
export const proxyVerb: Verb = { name: 'proxy', summary, usage, flags, run };

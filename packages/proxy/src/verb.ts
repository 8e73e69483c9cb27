/**
 * `nanokube proxy`: kube-proxy in iptables mode, one per node. Serves /healthz and /livez over HTTP on
 * --healthz-bind-address (0.0.0.0:10256). `--cleanup` removes every rule and chain it owns and exits.
 */
import { hostname } from 'node:os';
import type { Server } from 'node:http';
import type { Node } from 'kubernetes-types/core/v1.js';
import { configFromKubeconfig, resources, ResourceClient, RestClient } from '@nanokube/client';
import { createLogger, formatHelp, parseFlags, shutdownSignal, stringFlag, UsageError, type FlagSpecs, type Logger, type Verb } from '@nanokube/component-base';
import { parseDuration } from './duration.js';
import { ProxierHealth, startHealthServer } from './health-server.js';
import { ExecIptables } from './iptables/iptables.js';
import { cleanupRules } from './iptables/jumps.js';
import { Proxier } from './proxier.js';
import { isIPv4 } from './service-port.js';

const flags: FlagSpecs = {
  kubeconfig: { type: 'string', description: 'Path to the kubeconfig with the proxy credentials (required unless --cleanup)' },
  'hostname-override': { type: 'string', description: 'Name of this node (default: the hostname)' },
  'node-ip': { type: 'string', description: "This node's IP (default: the Node's InternalIP)" },
  'cluster-cidr': { type: 'string', description: 'The pod network; ClusterIP traffic from outside it is masqueraded', default: '10.244.0.0/16' },
  'nodeport-addresses': { type: 'string', description: 'Comma-separated IPs NodePorts answer on, or "all" (default: the node IP)' },
  'healthz-bind-address': { type: 'string', description: 'Address and port of /healthz and /livez (empty disables)', default: '0.0.0.0:10256' },
  'iptables-min-sync-period': { type: 'string', description: 'Minimum time between two rule syncs', default: '1s' },
  'iptables-sync-period': { type: 'string', description: 'How often the rules are checked for outside changes', default: '30s' },
  'masquerade-all': { type: 'string', description: 'Masquerade all traffic sent to ClusterIPs (true|false)', default: 'false' },
  cleanup: { type: 'boolean', description: 'Remove every iptables rule and chain the proxy created, then exit' },
};

const usage = 'nanokube proxy --kubeconfig FILE [--hostname-override NODE] [--node-ip IP] [--cluster-cidr CIDR] | nanokube proxy --cleanup';
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

function splitHostPort(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const port = Number(addr.slice(i + 1));
  if (i < 0 || !Number.isInteger(port)) throw new UsageError(`flag --healthz-bind-address must be HOST:PORT, got "${addr}"`);
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
    return 0;
  }
  const kubeconfig = stringFlag(f, 'kubeconfig', true) as string;
  const nodeName = stringFlag(f, 'hostname-override') ?? hostname();
  const minSyncPeriodMs = durationFlag(stringFlag(f, 'iptables-min-sync-period'), 'iptables-min-sync-period', 1_000);
  const syncPeriodMs = durationFlag(stringFlag(f, 'iptables-sync-period'), 'iptables-sync-period', 30_000);
  const masqueradeAll = boolFlag(stringFlag(f, 'masquerade-all'), 'masquerade-all');
  const clusterCIDR = stringFlag(f, 'cluster-cidr');
  const healthAddr = stringFlag(f, 'healthz-bind-address');
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
  const proxier = new Proxier({
    rest,
    log,
    iptables,
    nodeName,
    health,
    minSyncPeriodMs,
    syncPeriodMs,
    masqueradeAll,
    ...(nodeIP ? { nodeIP } : {}),
    ...(nodePortAddresses ? { nodePortAddresses } : {}),
    ...(clusterCIDR ? { clusterCIDR } : {}),
  });
  log.info({ node: nodeName, nodeIP, clusterCIDR }, 'Starting the service proxy');
  try {
    await proxier.run(signal);
  } finally {
    server?.close();
    await rest.close();
  }
  return 0;
}

/** proxyVerb is `nanokube proxy`. */
export const proxyVerb: Verb = { name: 'proxy', summary, usage, flags, run };

/**
 * `nanokube kubelet`: the node agent. A real node runs one kubelet process. For scale tests only, the
 * simulated runtime can run many node agents in one process (`--simulated-node-count N`), sharing one
 * client connection pool and one watch of pods and one of Nodes (runtime/simulated/fleet), as kwok does.
 */
import { setMaxListeners } from 'node:events';
import type { Server } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { configFromKubeconfig, RestClient, type ClientConfig } from '@nanokube/client';
import { createLogger, formatHelp, intFlag, parseFlags, shutdownSignal, stringFlag, UsageError, type FlagSpecs, type Logger, type Verb } from '@nanokube/component-base';
import { parseLabels, parseTaints } from './internal/flags.js';
import { systemInfo } from './internal/system-info.js';
import { createKubelet, type Kubelet } from './kubelet.js';
import { kubeletVersion } from './nodestatus/node.js';
import { hostCapacity, type Capacity } from './nodestatus/host-capacity.js';
import { LocalImageService } from './images/service.js';
import { defaultImageRoot } from './images/store.js';
import { HostGwNetwork } from './network/host-gw.js';
import { RuncRuntime } from './runtime/runc/runtime.js';
import { SimulatedImageService } from './runtime/simulated/images.js';
import { SimulatedPodNetwork, formatIp, parseCidr } from './runtime/simulated/network.js';
import { SimulatedRuntime } from './runtime/simulated/runtime.js';
import { SimulatedFleet } from './runtime/simulated/fleet/fleet.js';
import { newKubeletServingCertificateManager, type ServingCertificateManager } from './certificate/index.js';
import { KubeletAuth, restAuthReviewer } from './server/auth.js';
import { startKubeletServer, type KubeletServerOptions } from './server/server.js';

const flags: FlagSpecs = {
  kubeconfig: { type: 'string', description: 'Path to the kubeconfig with the kubelet credentials (required)' },
  runtime: { type: 'string', description: 'Container runtime: runc (real containers) or simulated (nothing runs)', default: 'runc' },
  'root-dir': { type: 'string', description: 'runc: folder of pod state (bundles, pod files)', default: '/var/lib/nanokube/kubelet' },
  'runc-root': { type: 'string', description: 'runc: runc state folder (runc --root)', default: '/run/nanokube/runc' },
  'cgroup-parent': { type: 'string', description: 'runc: cgroup under which pods run', default: 'nanokube' },
  'image-root': { type: 'string', description: 'runc: image store folder', default: defaultImageRoot },
  'registry-endpoint': { type: 'string', multiple: true, description: 'runc: registry mirror HOST=URL (docker.io=http://192.168.56.1:5000); repeatable' },
  'pod-network-state-dir': { type: 'string', description: 'runc: pod network state folder (default <root-dir>/network)' },
  'cluster-dns': { type: 'string', description: 'runc: cluster DNS server IPs, comma-separated', default: '10.96.0.10' },
  'cluster-domain': { type: 'string', description: 'runc: cluster domain', default: 'cluster.local' },
  'node-name': { type: 'string', description: 'Name of the Node (default: the host name)' },
  'node-ip': { type: 'string', description: 'InternalIP of the node (simulated default 127.0.0.1)' },
  'register-node': { type: 'string', description: 'Register the Node with the apiserver (true|false)', default: 'true' },
  'node-labels': { type: 'string', description: 'Labels to add when registering: key=value,...' },
  'register-with-taints': { type: 'string', description: 'Taints to add when registering: key=value:Effect,...' },
  'max-pods': { type: 'string', description: 'Pod capacity of the node', default: '110' },
  cpu: { type: 'string', description: 'CPU capacity (default: runc measures the host and its cgroup quota; simulated 4)' },
  memory: { type: 'string', description: 'Memory capacity (default: runc reads /proc/meminfo and its cgroup limit; simulated 8Gi)' },
  'ephemeral-storage': { type: 'string', description: 'Ephemeral-storage capacity (default: runc measures the filesystem of --root-dir; simulated 100Gi)' },
  'simulated-job-duration': { type: 'string', description: 'How long containers of Job pods run before exiting 0', default: '2s' },
  'simulated-node-count': { type: 'string', description: 'Scale tests only: run this many simulated nodes in one process', default: '1' },
  'node-name-prefix': { type: 'string', description: 'Name prefix of the nodes of --simulated-node-count', default: 'sim-' },
  address: { type: 'string', description: 'Address the kubelet server listens on', default: '0.0.0.0' },
  port: { type: 'string', description: 'HTTPS port of the kubelet server (0 disables it)', default: '10250' },
  'client-ca-file': { type: 'string', description: 'CA bundle (PEM) that signs the client certificates the kubelet server accepts (default: the CA of --kubeconfig)' },
  'rotate-server-certificates': {
    type: 'boolean',
    description: 'Request the serving certificate from the cluster (CSR, signer kubernetes.io/kubelet-serving) and renew it before it expires',
    default: false,
  },
  'cert-dir': { type: 'string', description: 'Folder of the serving certificate (kubelet-server-current.pem) (default <root-dir>/pki)' },
  'pod-logs-dir': { type: 'string', description: 'Folder of pod logs', default: '/var/log/pods' },
};

/**
 * The client pool of a simulated fleet: its two shared watches plus 32 concurrent requests, whatever the
 * node count (requests queue beyond that; the apiserver pays memory for every connection).
 */
const fleetMaxConnections = 2 + 32;

const usage =
  'nanokube kubelet [--runtime=runc|simulated] --kubeconfig FILE [--root-dir DIR --runc-root DIR --cgroup-parent NAME --image-root DIR ' +
  '--registry-endpoint HOST=URL --pod-network-state-dir DIR]  [--node-name NAME] [--node-ip IP] [--node-labels k=v,...] ' +
  '[--register-with-taints k=v:Effect,...] [--max-pods 110] [--cpu 4 --memory 8Gi] [--simulated-job-duration 2s] ' +
  '[--simulated-node-count N --node-name-prefix sim-]';
const summary = `Run the node agent (kubelet ${kubeletVersion}): register the Node, heartbeat, run the pods bound to it.`;

/** parseDuration reads Go-style durations: `2s`, `500ms`, `1m30s`. */
export function parseDuration(s: string, flag: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    total += Number(m[1]) * (unit[m[2] as string] ?? 0);
    consumed += m[0].length;
  }
  if (consumed !== s.length || s === '') throw new UsageError(`flag --${flag} must be a duration such as 2s or 500ms, got "${s}"`);
  return total;
}

/** clientCaPem reads --client-ca-file, else the CA the kubeconfig trusts for the apiserver. */
async function clientCaPem(f: ReturnType<typeof parseFlags>, config: ClientConfig): Promise<string> {
  const file = stringFlag(f, 'client-ca-file');
  if (file) return readFile(file, 'utf8');
  if (config.caPem) return config.caPem;
  throw new UsageError('flag --client-ca-file is required when the kubeconfig names no certificate authority');
}

function boolFlag(value: string | undefined, name: string): boolean {
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`flag --${name} must be true or false, got "${value}"`);
}

async function run(argv: string[]): Promise<number> {
  const f = parseFlags(argv, flags);
  if (f.values['help']) {
    process.stdout.write(formatHelp(usage, summary, flags));
    return 0;
  }
  const kubeconfig = stringFlag(f, 'kubeconfig', true) as string;
  const runtimeName = stringFlag(f, 'runtime') ?? 'runc';
  if (runtimeName === 'runc') return runRunc(f, kubeconfig);
  if (runtimeName !== 'simulated') throw new UsageError(`unknown runtime "${runtimeName}"; use runc or simulated`);
  const count = intFlag(f, 'simulated-node-count') ?? 1;
  if (count < 1) throw new UsageError('flag --simulated-node-count must be at least 1');
  // Serving certificates are requested with the node's own credentials: one node per process.
  if (count > 1 && f.values['rotate-server-certificates'] === true) throw new UsageError('flag --rotate-server-certificates needs --simulated-node-count 1');
  const jobDurationMs = parseDuration(stringFlag(f, 'simulated-job-duration') ?? '2s', 'simulated-job-duration');
  const labels = { type: 'simulated', ...parseLabels(stringFlag(f, 'node-labels')) };
  const taints = parseTaints(stringFlag(f, 'register-with-taints'));
  const port = count > 1 ? 0 : (intFlag(f, 'port') ?? 10250);
  const firstIp = parseCidr(`${stringFlag(f, 'node-ip') ?? '127.0.0.1'}/32`).base;
  const capacity = {
    cpu: stringFlag(f, 'cpu') ?? '4',
    memory: stringFlag(f, 'memory') ?? '8Gi',
    pods: String(intFlag(f, 'max-pods') ?? 110),
    'ephemeral-storage': stringFlag(f, 'ephemeral-storage') ?? '100Gi',
  };
  const width = String(count - 1).length;
  const names =
    count === 1
      ? [stringFlag(f, 'node-name') ?? hostname().toLowerCase()]
      : Array.from({ length: count }, (_, i) => `${stringFlag(f, 'node-name-prefix') ?? 'sim-'}${String(i).padStart(width, '0')}`);

  const log = createLogger({ component: 'kubelet' });
  const signal = shutdownSignal();
  // Every node agent's loops listen on the one shutdown signal.
  setMaxListeners(0, signal);
  const config = await configFromKubeconfig(kubeconfig, { userAgent: `kubelet/${kubeletVersion} (linux/amd64) nanokube` });
  const caPem = port > 0 || perNodeServersWanted(count, f) ? await clientCaPem(f, config) : '';
  // One node keeps its own two watches open. Several share the fleet's two watches (kwok-style), so the pool
  // only needs them plus room for the nodes' requests (Leases, node and pod status, events).
  const rest = new RestClient({ ...config, maxConnections: count > 1 ? fleetMaxConnections : 64 + 4 * count });
  const fleet = count > 1 ? new SimulatedFleet({ rest, log }) : undefined;
  const images = new SimulatedImageService();
  // Several simulated nodes each serve on their own loopback node IP at a free port (reported in
  // status.daemonEndpoints), so the apiserver can scrape /stats/summary per node; `--port 0` turns it off.
  const perNodeServers = perNodeServersWanted(count, f);
  const ports = perNodeServers ? await Promise.all(names.map((_, i) => freePortOn(formatIp(firstIp + i)))) : [];
  const kubelets: Kubelet[] = names.map((nodeName, i) =>
    createKubelet({
      rest,
      nodeName,
      nodeIp: formatIp(firstIp + i),
      runtime: new SimulatedRuntime({ network: new SimulatedPodNetwork(), jobDurationMs }),
      images,
      log,
      capacity,
      systemInfo: systemInfo({ nodeName, simulated: true }),
      registerNode: boolFlag(stringFlag(f, 'register-node'), 'register-node'),
      labels,
      taints,
      port: ports[i] ?? (port || 10250),
      podLogsDir: stringFlag(f, 'pod-logs-dir') ?? '/var/log/pods',
      ...(fleet ? { sources: fleet.sourcesFor(nodeName) } : {}),
    }),
  );
  const servers: Server[] = [];
  const managers: ServingCertificateManager[] = [];
  const only = kubelets[0];
  if (port > 0 && only) {
    const wiring = serverWiring(f, rest, only, formatIp(firstIp), log);
    if (wiring.manager) managers.push(wiring.manager);
    servers.push(await startKubeletServer({ kubelet: only, host: stringFlag(f, 'address') ?? '0.0.0.0', port, nodeIp: formatIp(firstIp), clientCaPem: caPem, log, ...wiring.options }));
  }
  for (const [i, kubelet] of kubelets.entries()) {
    const p = ports[i];
    if (p === undefined) continue;
    const wiring = serverWiring(f, rest, kubelet, formatIp(firstIp + i), log);
    servers.push(await startKubeletServer({ kubelet, host: formatIp(firstIp + i), port: p, nodeIp: formatIp(firstIp + i), clientCaPem: caPem, log, ...wiring.options }));
  }
  try {
    await Promise.all([fleet?.run(signal), ...kubelets.map((k) => k.run(signal)), ...managers.map((m) => m.run(signal))]);
  } finally {
    for (const s of servers) s.close();
    await rest.close();
  }
  return 0;
}

/** Per-node parts of a kubelet server: its authorizer and, with --rotate-server-certificates, its certificate manager. */
interface ServerWiring {
  options: Pick<KubeletServerOptions, 'auth' | 'servingCertificate'>;
  manager?: ServingCertificateManager;
}

function serverWiring(f: ReturnType<typeof parseFlags>, rest: RestClient, kubelet: Kubelet, nodeIp: string, log: Logger): ServerWiring {
  const auth = new KubeletAuth({ nodeName: kubelet.nodeName, reviewer: restAuthReviewer(rest), log });
  if (f.values['rotate-server-certificates'] !== true) return { options: { auth } };
  const certDir = stringFlag(f, 'cert-dir') ?? join(stringFlag(f, 'root-dir') ?? '/var/lib/nanokube/kubelet', 'pki');
  const manager = newKubeletServingCertificateManager({ rest, nodeName: kubelet.nodeName, nodeIp, certDir, log, registered: () => kubelet.hasSynced() });
  return { options: { auth, servingCertificate: manager }, manager };
}

function perNodeServersWanted(count: number, f: ReturnType<typeof parseFlags>): boolean {
  return count > 1 && intFlag(f, 'port') !== 0;
}

/** freePortOn asks the kernel for a free TCP port on host. */
function freePortOn(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** registryEndpoints parses `--registry-endpoint HOST=URL` values (each may also be a comma-separated list). */
export function registryEndpoints(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean)) {
    const i = v.indexOf('=');
    if (i <= 0 || !/^https?:\/\//.test(v.slice(i + 1))) throw new UsageError(`flag --registry-endpoint must be HOST=http(s)://..., got "${v}"`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

/** capacityOverrides are the capacity flags given on the command line (they win over what is measured). */
function capacityOverrides(f: ReturnType<typeof parseFlags>): Partial<Capacity> {
  const cpu = stringFlag(f, 'cpu');
  const memory = stringFlag(f, 'memory');
  const disk = stringFlag(f, 'ephemeral-storage');
  return {
    pods: String(intFlag(f, 'max-pods') ?? 110),
    ...(cpu ? { cpu } : {}),
    ...(memory ? { memory } : {}),
    ...(disk ? { 'ephemeral-storage': disk } : {}),
  };
}

/** runRunc runs one kubelet on the runc runtime: real containers, the host-gw pod network, the node's image store. */
async function runRunc(f: ReturnType<typeof parseFlags>, kubeconfig: string): Promise<number> {
  const nodeName = stringFlag(f, 'node-name') ?? hostname().toLowerCase();
  const rootDir = stringFlag(f, 'root-dir') ?? '/var/lib/nanokube/kubelet';
  const log = createLogger({ component: 'kubelet' });
  const signal = shutdownSignal();
  setMaxListeners(0, signal);
  const endpointValues = f.values['registry-endpoint'];
  const endpoints = registryEndpoints(Array.isArray(endpointValues) ? endpointValues.map(String) : typeof endpointValues === 'string' ? [endpointValues] : []);
  const images = await LocalImageService.open({ root: stringFlag(f, 'image-root') ?? defaultImageRoot, ...(Object.keys(endpoints).length ? { endpoints } : {}) });
  const network = new HostGwNetwork({ nodeName, stateDir: stringFlag(f, 'pod-network-state-dir') ?? `${rootDir}/network`, log });
  const runtime = await RuncRuntime.open({
    rootDir,
    runcRoot: stringFlag(f, 'runc-root') ?? '/run/nanokube/runc',
    cgroupParent: stringFlag(f, 'cgroup-parent') ?? 'nanokube',
    network,
    rootfs: images,
    clusterDns: {
      servers: (stringFlag(f, 'cluster-dns') ?? '10.96.0.10').split(',').map((s) => s.trim()).filter(Boolean),
      domain: stringFlag(f, 'cluster-domain') ?? 'cluster.local',
    },
    log,
  });
  // Pods wired before a restart whose sandbox is gone lose their wiring and addresses now.
  const live = new Set((await runtime.listPodSandboxes()).filter((s) => s.state === 'ready').map((s) => s.metadata.uid));
  await network.garbageCollect(live).catch((err: unknown) => log.warn({ err }, 'Could not garbage-collect the pod network'));
  const nodeIp = stringFlag(f, 'node-ip') ?? '127.0.0.1';
  const port = intFlag(f, 'port') ?? 10250;
  const config = await configFromKubeconfig(kubeconfig, { userAgent: `kubelet/${kubeletVersion} (linux/amd64) nanokube` });
  const caPem = port > 0 ? await clientCaPem(f, config) : '';
  const rest = new RestClient(config);
  const kubelet = createKubelet({
    rest,
    nodeName,
    nodeIp,
    rootDir,
    runtime,
    images,
    log,
    capacity: await hostCapacity(rootDir, capacityOverrides(f)),
    systemInfo: systemInfo({ nodeName, simulated: false }),
    registerNode: boolFlag(stringFlag(f, 'register-node'), 'register-node'),
    labels: parseLabels(stringFlag(f, 'node-labels')),
    taints: parseTaints(stringFlag(f, 'register-with-taints')),
    port: port || 10250,
    podLogsDir: stringFlag(f, 'pod-logs-dir') ?? '/var/log/pods',
    nodeRoutes: network,
  });
  const wiring = port > 0 ? serverWiring(f, rest, kubelet, nodeIp, log) : undefined;
  const server = wiring ? await startKubeletServer({ kubelet, host: stringFlag(f, 'address') ?? '0.0.0.0', port, nodeIp, clientCaPem: caPem, log, ...wiring.options }) : undefined;
  try {
    await Promise.all([kubelet.run(signal), wiring?.manager?.run(signal)]);
  } finally {
    server?.close();
    runtime.close();
    await images.close();
    await rest.close();
  }
  return 0;
}

/** kubeletVerb is `nanokube kubelet`. */
export const kubeletVerb: Verb = { name: 'kubelet', summary, usage, flags, run };

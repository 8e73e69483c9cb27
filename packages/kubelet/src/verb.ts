/**
 * `nanokube kubelet`: the node agent. A real node runs one kubelet process. For scale tests only, the
 * simulated runtime can run many node agents in one process (`--simulated-node-count N`), sharing one
 * client connection pool, as kwok does.
 */
import { setMaxListeners } from 'node:events';
import type { Server } from 'node:https';
import { hostname } from 'node:os';
import { configFromKubeconfig, RestClient } from '@nanokube/client';
import { createLogger, formatHelp, intFlag, parseFlags, shutdownSignal, stringFlag, UsageError, type FlagSpecs, type Verb } from '@nanokube/component-base';
import { parseLabels, parseTaints } from './internal/flags.js';
import { systemInfo } from './internal/system-info.js';
import { createKubelet, type Kubelet } from './kubelet.js';
import { kubeletVersion } from './nodestatus/node.js';
import { SimulatedImageService } from './runtime/simulated/images.js';
import { SimulatedPodNetwork, formatIp, parseCidr } from './runtime/simulated/network.js';
import { SimulatedRuntime } from './runtime/simulated/runtime.js';
import { startKubeletServer } from './server/server.js';

const flags: FlagSpecs = {
  kubeconfig: { type: 'string', description: 'Path to the kubeconfig with the kubelet credentials (required)' },
  runtime: { type: 'string', description: 'Container runtime: simulated (runc is not built yet)', default: 'runc' },
  'node-name': { type: 'string', description: 'Name of the Node (default: the host name)' },
  'node-ip': { type: 'string', description: 'InternalIP of the node (simulated default 127.0.0.1)' },
  'register-node': { type: 'string', description: 'Register the Node with the apiserver (true|false)', default: 'true' },
  'node-labels': { type: 'string', description: 'Labels to add when registering: key=value,...' },
  'register-with-taints': { type: 'string', description: 'Taints to add when registering: key=value:Effect,...' },
  'max-pods': { type: 'string', description: 'Pod capacity of the node', default: '110' },
  cpu: { type: 'string', description: 'Simulated CPU capacity', default: '4' },
  memory: { type: 'string', description: 'Simulated memory capacity', default: '8Gi' },
  'ephemeral-storage': { type: 'string', description: 'Simulated ephemeral-storage capacity', default: '100Gi' },
  'simulated-job-duration': { type: 'string', description: 'How long containers of Job pods run before exiting 0', default: '2s' },
  'simulated-node-count': { type: 'string', description: 'Scale tests only: run this many simulated nodes in one process', default: '1' },
  'node-name-prefix': { type: 'string', description: 'Name prefix of the nodes of --simulated-node-count', default: 'sim-' },
  address: { type: 'string', description: 'Address the kubelet server listens on', default: '0.0.0.0' },
  port: { type: 'string', description: 'HTTPS port of the kubelet server (0 disables it)', default: '10250' },
  'pod-logs-dir': { type: 'string', description: 'Folder of pod logs', default: '/var/log/pods' },
};

const usage =
  'nanokube kubelet --runtime=simulated --kubeconfig FILE [--node-name NAME] [--node-ip IP] [--node-labels k=v,...] ' +
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
  if (runtimeName !== 'simulated') throw new UsageError(`runtime "${runtimeName}" is not available yet; use --runtime=simulated`);
  const count = intFlag(f, 'simulated-node-count') ?? 1;
  if (count < 1) throw new UsageError('flag --simulated-node-count must be at least 1');
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
  const rest = new RestClient(await configFromKubeconfig(kubeconfig, { userAgent: `kubelet/${kubeletVersion} (linux/amd64) nanokube` }));
  const images = new SimulatedImageService();
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
      port: port || 10250,
      podLogsDir: stringFlag(f, 'pod-logs-dir') ?? '/var/log/pods',
    }),
  );
  let server: Server | undefined;
  const only = kubelets[0];
  if (port > 0 && only) {
    server = await startKubeletServer({ kubelet: only, host: stringFlag(f, 'address') ?? '0.0.0.0', port, nodeIp: formatIp(firstIp), log });
  }
  try {
    await Promise.all(kubelets.map((k) => k.run(signal)));
  } finally {
    server?.close();
    await rest.close();
  }
  return 0;
}

/** kubeletVerb is `nanokube kubelet`. */
export const kubeletVerb: Verb = { name: 'kubelet', summary, usage, flags, run };

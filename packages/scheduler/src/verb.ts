/**
 * `nanokube scheduler`: kube-scheduler. Leader-elected through the `kube-system/kube-scheduler` Lease;
 * serves /healthz, /livez, /readyz and /metrics over HTTPS on --secure-port (10259).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Server } from 'node:https';
import { configFromKubeconfig, ResourceClient, RestClient, runLeaderElection, type Lease } from '@nanokube/client';
import { createLogger, createMetricsRegistry, formatHelp, intFlag, parseFlags, shutdownSignal, stringFlag, UsageError, type FlagSpecs, type Verb } from '@nanokube/component-base';
import { startHealthServer } from './internal/health-server.js';
import { SchedulerMetrics } from './internal/metrics.js';
import { leasesResource } from './internal/resources.js';
import { createScheduler } from './scheduler.js';

const flags: FlagSpecs = {
  kubeconfig: { type: 'string', description: 'Path to the kubeconfig with the scheduler credentials (required)' },
  'leader-elect': { type: 'string', description: 'Take part in leader election before scheduling (true|false)', default: 'true' },
  'lease-name': { type: 'string', description: 'Name of the leader election Lease', default: 'kube-scheduler' },
  'lease-namespace': { type: 'string', description: 'Namespace of the leader election Lease', default: 'kube-system' },
  'bind-address': { type: 'string', description: 'Address the health endpoints listen on', default: '127.0.0.1' },
  'secure-port': { type: 'string', description: 'HTTPS port of /healthz (0 disables it)', default: '10259' },
  'percentage-of-nodes-to-score': { type: 'string', description: 'Share of nodes to find feasible before scoring (0 = adaptive)', default: '0' },
};

const usage = 'nanokube scheduler --kubeconfig FILE [--leader-elect=true] [--lease-name kube-scheduler] [--secure-port 10259]';
const summary = 'Run the scheduler: assign pending pods to nodes.';

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
  const leaderElect = boolFlag(stringFlag(f, 'leader-elect'), 'leader-elect');
  const securePort = intFlag(f, 'secure-port') ?? 10259;
  const log = createLogger({ component: 'scheduler' });
  const signal = shutdownSignal();
  const rest = new RestClient(await configFromKubeconfig(kubeconfig, { userAgent: 'kube-scheduler/v1.30.0 (linux/amd64) nanokube' }));
  const identity = `${hostname()}_${randomUUID()}`;
  const metrics = createMetricsRegistry();
  const schedulerMetrics = new SchedulerMetrics(metrics);
  const scheduler = createScheduler({ rest, log, identity, percentageOfNodesToScore: intFlag(f, 'percentage-of-nodes-to-score') ?? 0, metrics: schedulerMetrics });
  schedulerMetrics.observeQueue(() => scheduler.queue.pendingPods());
  let health: Server | undefined;
  if (securePort > 0) {
    health = await startHealthServer({ host: stringFlag(f, 'bind-address') ?? '127.0.0.1', port: securePort, ready: () => scheduler.hasSynced(), metrics });
  }
  let lost = false;
  try {
    if (!leaderElect) await scheduler.run(signal);
    else {
      const election = new AbortController();
      signal.addEventListener('abort', () => election.abort(), { once: true });
      let leading: Promise<void> = Promise.resolve();
      await runLeaderElection(
        {
          leases: new ResourceClient<Lease>(rest, leasesResource),
          name: stringFlag(f, 'lease-name') ?? 'kube-scheduler',
          namespace: stringFlag(f, 'lease-namespace') ?? 'kube-system',
          identity,
          log,
          onStartedLeading: (s) => {
            leading = scheduler.run(s);
          },
          onStoppedLeading: () => {
            // The queue and cache cannot be handed over: like upstream, stop and let the supervisor restart us.
            if (!signal.aborted) {
              lost = true;
              log.error('Lost the leader lease, exiting');
              election.abort();
            }
          },
        },
        election.signal,
      );
      await leading;
    }
  } finally {
    health?.close();
    await rest.close();
  }
  return lost ? 1 : 0;
}

/** schedulerVerb is `nanokube scheduler`. */
export const schedulerVerb: Verb = { name: 'scheduler', summary, usage, flags, run };

import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import {
  configFromKubeconfig,
  EventRecorder,
  realClock,
  ResourceClient,
  resources,
  RestClient,
  runLeaderElection,
  SharedInformerFactory,
  sleep,
  type Clock,
  type ClientConfig,
  type GroupVersionResource,
  type KubeObject,
} from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';
import { enabledDescriptors, newControllerDescriptors } from './descriptors.js';
import { startHealthServer, type HealthServer } from './health.js';
import type { LeaderElectionTiming } from './options.js';
import { controllerManagerMetrics, type Controller, type ControllerContext, type ControllerDescriptor, type ControllerManagerOptions } from './shared/index.js';

/** The Lease the controller-managers of a cluster compete for. */
export const leaseName = 'kube-controller-manager';
export const leaseNamespace = 'kube-system';

/** Options of {@link createControllerManager}. */
export interface ControllerManagerDeps {
  options: ControllerManagerOptions;
  log: Logger;
  leaderElection?: LeaderElectionTiming;
  /** Used instead of reading `options.kubeconfig`. */
  clientConfig?: ClientConfig;
  /** Defaults to every known controller; `options.controllers` still selects among them. */
  descriptors?: ControllerDescriptor[];
  /** Leader-election identity; defaults to `<hostname>_<uuid>` as upstream. */
  identity?: string;
  clock?: Clock;
}

/** A controller-manager process: health endpoint, leader election, and the enabled controllers. */
export interface ControllerManager {
  /** Runs until signal aborts; controllers run only while this process holds the Lease. */
  run(signal: AbortSignal): Promise<void>;
  /** The health server's port once run() started it (0 when disabled). */
  healthPort(): number;
  /** Whether this process currently leads (always true without leader election, once started). */
  isLeading(): boolean;
}

const userAgent = 'kube-controller-manager/v1.32.0 (linux/amd64) nanokube';

/**
 * createControllerManager builds the controller-manager: one client for the process, and, each time it
 * becomes leader, a fresh shared informer factory, the enabled controllers built from their descriptors
 * (which register informer handlers), then the informers started and every controller run until
 * leadership or the process ends (upstream StartControllers).
 */
export async function createControllerManager(deps: ControllerManagerDeps): Promise<ControllerManager> {
  const { options, log } = deps;
  const clock = deps.clock ?? realClock;
  const config = deps.clientConfig ?? (await configFromKubeconfig(options.kubeconfig, { userAgent }));
  const rest = new RestClient({ ...config, userAgent: config.userAgent ?? userAgent });
  const descriptors = enabledDescriptors(deps.descriptors ?? newControllerDescriptors(), options.controllers);
  const identity = deps.identity ?? `${hostname()}_${randomUUID()}`;
  let leading = false;
  let health: HealthServer | undefined;

  const runControllers = async (signal: AbortSignal): Promise<void> => {
    leading = true;
    // Every informer and controller listens on this signal.
    setMaxListeners(0, signal);
    const informers = new SharedInformerFactory(rest, log.child({ subsystem: 'informers' }));
    const running: { name: string; controller: Controller }[] = [];
    for (const d of descriptors) {
      const ctlLog = log.child({ controller: d.name });
      const ctx: ControllerContext = {
        rest,
        informers,
        client: <T extends KubeObject>(gvr: GroupVersionResource) => new ResourceClient<T>(rest, gvr),
        recorder: new EventRecorder({ events: new ResourceClient(rest, resources.events), component: d.name, log: ctlLog, clock }),
        log: ctlLog,
        options,
        clock,
      };
      try {
        running.push({ name: d.name, controller: d.create(ctx) });
      } catch (err) {
        ctlLog.error({ err }, 'Could not start controller');
      }
    }
    informers.start(signal);
    log.info({ controllers: running.map((r) => r.name) }, 'Started controllers');
    await Promise.all(
      running.map(({ name, controller }) =>
        controller.run(signal).catch((err: unknown) => log.error({ err, controller: name }, 'Controller failed')),
      ),
    );
    leading = false;
  };

  return {
    healthPort: () => health?.port ?? 0,
    isLeading: () => leading,
    async run(signal) {
      setMaxListeners(0, signal);
      if (options.securePort > 0) {
        health = await startHealthServer({ bindAddress: options.bindAddress, port: options.securePort, healthy: () => true, metrics: controllerManagerMetrics() });
        log.info({ port: health.port, bindAddress: options.bindAddress }, 'Serving healthz securely');
      }
      try {
        await waitForApiserver(rest, log, signal, clock);
        if (signal.aborted) return;
        if (!options.leaderElect) {
          await runControllers(signal);
          return;
        }
        const t = deps.leaderElection;
        await runLeaderElection(
          {
            leases: new ResourceClient(rest, resources.leases),
            name: leaseName,
            namespace: leaseNamespace,
            identity,
            log,
            clock,
            ...(t ? { leaseDurationMs: t.leaseDurationMs, renewDeadlineMs: t.renewDeadlineMs, retryPeriodMs: t.retryPeriodMs } : {}),
            onStartedLeading: (leaderSignal) => runControllers(leaderSignal),
            onStoppedLeading: () => log.info('Leader election lost, controllers stopped'),
            onNewLeader: (holder) => log.info({ leader: holder }, 'New leader elected'),
          },
          signal,
        );
      } finally {
        await health?.close();
        await rest.close();
      }
    },
  };
}

/** waitForApiserver polls `/readyz` until the apiserver answers 200 (k3s-style start ordering). */
async function waitForApiserver(rest: RestClient, log: Logger, signal: AbortSignal, clock: Clock): Promise<void> {
  for (let attempt = 0, delay = 250; !signal.aborted; attempt++, delay = Math.min(delay * 2, 5_000)) {
    try {
      const res = await rest.stream({ method: 'GET', path: '/readyz', accept: 'text/plain', timeoutMs: 5_000, signal });
      await res.body.text();
      return;
    } catch (err) {
      if (attempt % 10 === 0) log.info({ err }, 'Waiting for the apiserver to be ready');
    }
    await sleep(delay, signal, clock);
  }
}

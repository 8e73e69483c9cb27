import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { Logger } from '@nanokube/component-base';
import { initControlPlaneFiles, parseKubeconfig } from '@nanokube/pki';
import { uploadBootstrapToken, type BootstrapTokenRequest } from './bootstrap-token.js';
import { Supervisor, type RunningComponent } from './supervisor.js';
import { probe, waitUntilReady, type ProbeTLS } from './wait.js';

/** Options of {@link startControlPlane}. */
export interface UpOptions {
  /** State folder: certificates, kubeconfigs, the store's data and the components' logs. */
  dir: string;
  securePort: number;
  storePort: number;
  /** The `nanokube` entry script every component is started from. */
  nanokubeBin: string;
  log: Logger;
  /** Called with each progress line for the person at the terminal. */
  out?: (line: string) => void;
  signal?: AbortSignal;
  readyTimeoutMs?: number;
  /** Simulated nodes (`sim-0`...) to run in one simulated-kubelet process; 0 = none. */
  simulatedNodes?: number;
  /** The bootstrap token to store once the apiserver is ready (default: a generated one, 24 h). */
  bootstrapToken?: BootstrapTokenRequest;
  /** Extra flags appended to the controller-manager's command line (tests: a short grace period...). */
  controllerManagerArgs?: string[];
  /** Whether to start a controller-manager (default true; tests that run their own pass false). */
  controllerManager?: boolean;
}

/**
 * Where each component of a loopback control plane serves; also written to `<dir>/endpoints.json`.
 * The scheduler and controller-manager serve `/healthz` and `/metrics` over HTTPS (self-signed).
 */
export interface ControlPlaneEndpoints {
  store: string;
  apiserver: string;
  scheduler: string;
  /** Absent when no controller-manager was started. */
  controllerManager?: string;
}

/** A running loopback control plane. */
export interface ControlPlane {
  adminConf: string;
  server: string;
  endpoints: ControlPlaneEndpoints;
  /** `nanokube join 127.0.0.1:PORT --token T --discovery-token-ca-cert-hash sha256:H` for workers. */
  joinCommand: string;
  components: RunningComponent[];
  /** Resolves when any component exits on its own (which is a failure of the whole). */
  anyExited: Promise<RunningComponent>;
  stop(): Promise<void>;
}

/**
 * startControlPlane brings up a loopback control plane, each component its own process: `init` (if
 * needed), then the store, then the apiserver once the store answers, a bootstrap token and cluster-info once the
 * apiserver's /readyz answers 200 over verified TLS with the admin credentials, then the scheduler and the
 * controller-manager.
 */
export async function startControlPlane(opts: UpOptions): Promise<ControlPlane> {
  const dir = resolve(opts.dir);
  const out = opts.out ?? (() => {});
  const init = await initControlPlaneFiles({ dir, advertiseAddress: '127.0.0.1', securePort: opts.securePort, out });
  const supervisor = new Supervisor({ nanokubeBin: opts.nanokubeBin, logDir: join(dir, 'logs'), log: opts.log });
  const timeoutMs = opts.readyTimeoutMs ?? 60_000;
  const exitedEarly = (rc: RunningComponent) => () =>
    rc.child.exitCode !== null || rc.child.signalCode !== null ? `exited (see ${rc.logFile})` : undefined;
  const components: RunningComponent[] = [];
  let joinCommand = '';
  let endpoints: ControlPlaneEndpoints | undefined;
  try {
    const storeUrl = `http://127.0.0.1:${opts.storePort}`;
    const store = supervisor.start({
      name: 'store',
      args: ['store', '--data-dir', join(dir, 'store'), '--listen-client-urls', storeUrl],
    });
    components.push(store);
    await waitUntilReady('store', async () => (await probe(`${storeUrl}/v3/maintenance/status`, { method: 'POST', body: '{}' })) === 200, {
      timeoutMs,
      failed: exitedEarly(store),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    out(`[store] ready at ${storeUrl}`);

    const apiserver = supervisor.start({
      name: 'apiserver',
      args: [
        'apiserver',
        '--etcd-servers', storeUrl,
        '--secure-port', String(opts.securePort),
        '--bind-address', '127.0.0.1',
        '--advertise-address', '127.0.0.1',
        '--cert-dir', dir,
      ],
    });
    components.push(apiserver);
    const tls: ProbeTLS = {
      ca: await readFile(init.caCertPath, 'utf8'),
      cert: await readFile(join(init.pkiDir, 'apiserver-kubelet-client.crt'), 'utf8'),
      key: await readFile(join(init.pkiDir, 'apiserver-kubelet-client.key'), 'utf8'),
    };
    await waitUntilReady('apiserver', async () => (await probe(`${init.server}/readyz`, { tls })) === 200, {
      timeoutMs,
      failed: exitedEarly(apiserver),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    out(`[apiserver] ready at ${init.server}`);

    // kubeadm init's bootstrap-token phase: a token for workers and the signed cluster-info they discover,
    // once the apiserver has made kube-public (cluster-info's namespace).
    const admin = await credentialOf(init.adminConf, tls.ca);
    await waitUntilReady('namespace kube-public', async () => (await probe(`${init.server}/api/v1/namespaces/kube-public`, { tls: admin })) === 200, {
      timeoutMs,
      failed: exitedEarly(apiserver),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    joinCommand = await uploadBootstrapToken(
      { adminConf: init.adminConf, caCertPath: init.caCertPath, server: init.server },
      opts.bootstrapToken ?? { ttlMs: 24 * 3600_000 },
    );
    out('[bootstrap-token] created a bootstrap token and the signed cluster-info ConfigMap');

    // /readyz answers before the apiserver's RBAC bootstrap policy is in force; a scheduler that meets a
    // 403 on its lease gives up. Wait until each component's credential may read its own lease.
    for (const [conf, lease] of [[init.schedulerConf, 'kube-scheduler'], [init.controllerManagerConf, 'kube-controller-manager']] as const) {
      const creds = await credentialOf(conf, tls.ca);
      const url = `${init.server}/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${lease}`;
      await waitUntilReady(`RBAC bootstrap policy for ${lease}`, async () => [200, 404].includes(await probe(url, { tls: creds })), {
        timeoutMs,
        failed: exitedEarly(apiserver),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    }

    // Controllers and the scheduler talk to the apiserver only, each with its own credential as kubeadm
    // sets them up; their health and metrics ports are free loopback ports, so several loopback clusters
    // can run side by side.
    const schedulerPort = await freePortOn('127.0.0.1');
    const scheduler = supervisor.start({
      name: 'scheduler',
      args: ['scheduler', '--kubeconfig', init.schedulerConf, '--bind-address', '127.0.0.1', '--secure-port', String(schedulerPort)],
    });
    components.push(scheduler);
    endpoints = { store: storeUrl, apiserver: init.server, scheduler: `https://127.0.0.1:${schedulerPort}` };
    out(`[scheduler] started, /healthz and /metrics at ${endpoints.scheduler}`);
    if (opts.controllerManager !== false) {
      const controllerManagerPort = await freePortOn('127.0.0.1');
      const controllerManager = supervisor.start({
        name: 'controller-manager',
        args: [
          'controller-manager',
          '--kubeconfig', init.controllerManagerConf,
          '--root-ca-file', init.caCertPath,
          '--cluster-signing-cert-file', join(init.pkiDir, 'ca.crt'),
          '--cluster-signing-key-file', join(init.pkiDir, 'ca.key'),
          '--service-account-private-key-file', join(init.pkiDir, 'sa.key'),
          // As kubeadm's manifest: the defaults plus the token signer and cleaner, off by default upstream.
          '--controllers', '*,bootstrapsigner,tokencleaner',
          '--bind-address', '127.0.0.1',
          '--secure-port', String(controllerManagerPort),
          ...(opts.controllerManagerArgs ?? []),
        ],
      });
      components.push(controllerManager);
      endpoints.controllerManager = `https://127.0.0.1:${controllerManagerPort}`;
      out(`[controller-manager] started, /healthz and /metrics at ${endpoints.controllerManager}`);
    }
    await writeFile(join(dir, 'endpoints.json'), `${JSON.stringify(endpoints, null, 2)}\n`);

    const simulated = opts.simulatedNodes ?? 0;
    if (simulated > 0) {
      // Scale tests only: many simulated node agents in one process (real nodes are one process each).
      // They need a credential that may write many Nodes, hence admin.conf.
      const kubelets = supervisor.start({
        name: 'kubelet-simulated',
        args: [
          'kubelet', '--runtime=simulated', '--kubeconfig', init.adminConf,
          '--simulated-node-count', String(simulated), '--node-name-prefix', 'sim-', '--node-ip', '127.0.1.1',
          // One simulated node serves the kubelet API (logs, exec, port-forward) on its node IP at a free port.
          ...(simulated === 1 ? ['--node-name', 'sim-0', '--address', '127.0.1.1', '--port', String(await freePortOn('127.0.1.1'))] : []),
        ],
      });
      components.push(kubelets);
      out(`[kubelet] ${simulated} simulated node(s) started`);
    }
  } catch (err) {
    await supervisor.stopAll();
    throw err;
  }
  return {
    adminConf: init.adminConf,
    server: init.server,
    endpoints,
    joinCommand,
    components,
    anyExited: Promise.race(components.map((c) => c.exited.then(() => c))),
    stop: () => supervisor.stopAll(),
  };
}

/** freePortOn asks the kernel for a free TCP port on host. */
function freePortOn(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no free port'))));
    });
  });
}

/** credentialOf reads the embedded client certificate of a kubeconfig `init` wrote, for probing as that user. */
async function credentialOf(kubeconfig: string, ca: string): Promise<ProbeTLS> {
  const user = parseKubeconfig(await readFile(kubeconfig, 'utf8'), kubeconfig).users[0]?.user;
  const decode = (b64: string | undefined): string | undefined => (b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined);
  const cert = decode(user?.['client-certificate-data']);
  const key = decode(user?.['client-key-data']);
  return { ca, ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

import { createLogger, intFlag, parseFlags, shutdownSignal, stringFlag, type Verb } from '@nanokube/component-base';
import { bootstrapTokenFlags, parseBootstrapTokenFlags } from './bootstrap-token.js';
import { startControlPlane } from './up.js';

const flags = {
  dir: { type: 'string', description: 'State folder (certificates, kubeconfigs, store data, logs)', default: '.nanokube/up' },
  'secure-port': { type: 'string', description: "The apiserver's HTTPS port on 127.0.0.1", default: '6443' },
  'store-port': { type: 'string', description: "The store's port on 127.0.0.1", default: '2379' },
  'simulated-nodes': { type: 'string', description: 'Simulated nodes (sim-0...) to start in one simulated-kubelet process', default: '0' },
  'controller-manager': { type: 'string', description: 'Start a controller-manager (false: tests run their own)', default: 'true' },
  'controller-manager-flags': { type: 'string', description: 'Extra controller-manager flags, space-separated (e.g. "--node-monitor-grace-period=8s")', default: '' },
  ...bootstrapTokenFlags,
} as const;

/** `nanokube up`: a loopback control plane as separate child processes, stopped on SIGINT/SIGTERM. */
export const upVerb: Verb = {
  name: 'up',
  summary: 'Start a loopback control plane (store, apiserver, ...) as separate processes',
  usage: 'nanokube up [--dir DIR] [--secure-port N] [--store-port N] [--simulated-nodes N] [--token TOKEN] [--token-ttl 24h0m0s] [--controller-manager=false] [--controller-manager-flags "..."]',
  flags,
  async run(argv) {
    const f = parseFlags(argv, flags);
    const log = createLogger({ component: 'up' });
    const signal = shutdownSignal();
    const simulatedNodes = intFlag(f, 'simulated-nodes') ?? 0;
    const bootstrapToken = parseBootstrapTokenFlags(stringFlag(f, 'token'), stringFlag(f, 'token-ttl'));
    const out = (line: string): void => void process.stdout.write(`${line}\n`);
    const cp = await startControlPlane({
      dir: stringFlag(f, 'dir', true) as string,
      securePort: intFlag(f, 'secure-port') ?? 6443,
      storePort: intFlag(f, 'store-port') ?? 2379,
      nanokubeBin: process.argv[1] as string,
      log,
      out,
      signal,
      simulatedNodes,
      bootstrapToken,
      controllerManager: stringFlag(f, 'controller-manager') !== 'false',
      controllerManagerArgs: (stringFlag(f, 'controller-manager-flags') ?? '').split(/\s+/).filter(Boolean),
    });
    out(`nanokube control plane is ready at ${cp.server}`);
    out(`  export KUBECONFIG=${cp.adminConf}`);
    out('  kubectl get namespaces');
    out('Then you can join any number of worker nodes by running the following on each:');
    out(`  ${cp.joinCommand}`);
    const ended = await Promise.race([
      new Promise<'signal'>((r) => signal.addEventListener('abort', () => r('signal'), { once: true })),
      cp.anyExited,
    ]);
    if (ended !== 'signal') out(`component ${ended.spec.name} exited; stopping the others (log: ${ended.logFile})`);
    await cp.stop();
    return ended === 'signal' ? 0 : 1;
  },
};

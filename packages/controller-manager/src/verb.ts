import { createLogger, formatHelp, shutdownSignal, UsageError, type Verb } from '@nanokube/component-base';
import { newControllerDescriptors, unknownControllers } from './descriptors.js';
import { createControllerManager } from './manager.js';
import { controllerManagerFlags, parseControllerManagerArgs } from './options.js';

const usage = 'nanokube controller-manager --kubeconfig FILE [--leader-elect=true] [--controllers=*,-foo] [flags]';
const summary = 'Run the controllers (deployment, replicaset, garbage collector, node lifecycle, ...) against an apiserver';

/** `nanokube controller-manager`: kube-controller-manager's flags, run until SIGINT/SIGTERM. */
export const controllerManagerVerb: Verb = {
  name: 'controller-manager',
  summary,
  usage,
  flags: controllerManagerFlags,
  async run(argv) {
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(formatHelp(usage, summary, controllerManagerFlags));
      return 0;
    }
    const { options, leaderElection } = parseControllerManagerArgs(argv);
    if (!options.kubeconfig) throw new UsageError('flag --kubeconfig is required');
    const unknown = unknownControllers(newControllerDescriptors(), options.controllers);
    if (unknown.length > 0) throw new UsageError(`--controllers: unknown controller(s) ${unknown.join(', ')}`);
    const log = createLogger({ component: 'controller-manager' });
    const signal = shutdownSignal();
    const manager = await createControllerManager({ options, leaderElection, log });
    // The client's timers are unref'd; this keeps the process up while it waits for the Lease.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    try {
      await manager.run(signal);
    } finally {
      clearInterval(keepAlive);
    }
    log.info('Controller-manager stopped');
    return 0;
  },
};

import { homedir } from 'node:os';
import { join } from 'node:path';
import { intFlag, parseFlags, stringFlag, UsageError, type Verb } from '@nanokube/component-base';
import { labDown } from './down.js';
import { labSsh, labStart, labStatus, labStop } from './ops.js';
import { labProvisioners, type LabProvisioner } from './state.js';
import { labUp } from './up.js';

const flags = {
  dir: { type: 'string', description: 'Lab folder: state, certificates, per-node state and logs', default: '/var/lib/nanokube/lab' },
  kubeconfig: { type: 'string', description: 'Kubeconfig to merge the nanokube-lab context into (up); "none" to skip', default: join(homedir(), '.kube', 'config') },
  runtime: { type: 'string', description: "The kubelets' container runtime (up): runc or simulated", default: 'runc' },
  provisioner: {
    type: 'string',
    description: 'How nodes are provisioned (up): lab (the lab starts each component; workers run nanokube join) or vagrant-scripts (deploy/provision\'s scripts, as vagrant up runs them)',
    default: 'lab',
  },
  workers: { type: 'string', description: 'Number of workers, 0-9 (up)', default: '3' },
  prefix: { type: 'string', description: 'Prefix of namespace, link and chain names, for side-by-side test labs (up)' },
  timeout: { type: 'string', description: 'Seconds to wait for the nodes to be Ready (up)', default: '180' },
  'node-monitor-grace-period': { type: 'string', description: 'How long a node may miss heartbeats before it is NotReady, e.g. 20s (up; default 40s)' },
  'controller-manager-flags': { type: 'string', description: 'Extra controller-manager flags, space-separated (up), e.g. "--horizontal-pod-autoscaler-sync-period=5s"' },
  'keep-files': { type: 'boolean', description: 'Keep the lab folder (logs, certificates) (down)' },
} as const;

const usage = `nanokube lab up|down|status [flags]
       nanokube lab ssh NODE [-- COMMAND...]
       nanokube lab stop|start NODE COMPONENT`;

/**
 * `nanokube lab`: the 1 master + 3 workers lab out of network namespaces on this machine (root, Linux).
 * Components run detached, one process each, their pids in `<dir>/lab.json`; `stop`/`start` act on one
 * component of one node and `down` removes everything `up` made.
 */
export const labVerb: Verb = {
  name: 'lab',
  summary: 'Build a 1 master + 3 workers lab out of network namespaces on this machine (root)',
  usage,
  flags,
  positionals: true,
  async run(argv) {
    const dashDash = argv.indexOf('--');
    const f = parseFlags(dashDash >= 0 ? argv.slice(0, dashDash) : argv, flags, true);
    const command = dashDash >= 0 ? argv.slice(dashDash + 1) : [];
    const [sub, ...rest] = f.positionals;
    const dir = stringFlag(f, 'dir', true) as string;
    const out = (line: string): void => void process.stdout.write(`${line}\n`);
    switch (sub) {
      case 'up':
        return up(f, dir, out);
      case 'down':
        await labDown({ dir, out, keepFiles: f.values['keep-files'] === true });
        return 0;
      case 'status':
        process.stdout.write(await labStatus({ dir }));
        return 0;
      case 'ssh': {
        const [node, ...cmd] = rest;
        if (!node) throw new UsageError('lab ssh needs a NODE');
        return labSsh({ dir, node, command: [...cmd, ...command] });
      }
      case 'stop':
      case 'start': {
        const [node, component] = rest;
        if (!node || !component) throw new UsageError(`lab ${sub} needs NODE and COMPONENT`);
        out(await (sub === 'stop' ? labStop : labStart)({ dir, node, component }));
        return 0;
      }
      default:
        throw new UsageError(sub ? `unknown lab command "${sub}"` : 'lab needs a command');
    }
  },
};

async function up(f: ReturnType<typeof parseFlags>, dir: string, out: (line: string) => void): Promise<number> {
  const workers = intFlag(f, 'workers') ?? 3;
  if (workers < 0 || workers > 9) throw new UsageError('--workers must be between 0 and 9');
  const kubeconfig = stringFlag(f, 'kubeconfig');
  const prefix = stringFlag(f, 'prefix');
  const grace = stringFlag(f, 'node-monitor-grace-period');
  const provisioner = stringFlag(f, 'provisioner') ?? 'lab';
  if (!(labProvisioners as readonly string[]).includes(provisioner)) {
    throw new UsageError(`--provisioner must be one of ${labProvisioners.join(', ')}, got "${provisioner}"`);
  }
  if (grace && !/^\d+(ms|s|m)$/.test(grace)) throw new UsageError(`--node-monitor-grace-period must be a duration like 20s, got "${grace}"`);
  const state = await labUp({
    dir,
    nanokubeBin: process.argv[1] as string,
    workers,
    runtime: stringFlag(f, 'runtime') ?? 'runc',
    provisioner: provisioner as LabProvisioner,
    ...(prefix ? { prefix } : {}),
    ...(kubeconfig && kubeconfig !== 'none' ? { kubeconfig } : {}),
    readyTimeoutMs: (intFlag(f, 'timeout') ?? 180) * 1000,
    ...(grace ? { nodeMonitorGracePeriod: grace } : {}),
    controllerManagerArgs: (stringFlag(f, 'controller-manager-flags') ?? '').split(/\s+/).filter(Boolean),
    out,
  });
  const master = state.topology.nodes.find((n) => n.role === 'control-plane');
  out('');
  out(`Your lab is up: ${state.topology.nodes.length} nodes, apiserver at https://${master?.ip}:6443.`);
  out(state.kubeconfig ? '  kubectl get nodes -o wide' : `  KUBECONFIG=${state.adminConf} kubectl get nodes -o wide`);
  out('  nanokube lab ssh worker01 -- ip addr');
  out('  nanokube lab stop worker01 kubelet    (and `lab start worker01 kubelet`)');
  out('  nanokube lab down');
  return 0;
}

/**
 * `lab up --provisioner vagrant-scripts`: the nodes are provisioned by the very scripts `vagrant up` runs
 * in the VMs (deploy/provision/common.sh, then master.sh or worker.sh), run inside the nodes' network
 * namespaces with NANOKUBE_SYSTEMD=0 (components as background processes with pid files instead of
 * units) and every folder under the node's lab folder. The master's script runs `nanokube init`, starts
 * the control plane and creates the never-expiring lab token; each worker's script runs the real
 * `nanokube join` with the master's join.env from the shared folder, so the exact init/join path Vagrant
 * uses is exercised. What the lab gives each node besides (cgroup parent, runc root, image store, the
 * docker.io mirror, the cluster DNS objects, the pod network) goes in through the scripts' parameters.
 * The components the scripts started are recorded from their pid files, so `lab status|stop|start|down`
 * work as for the lab's own.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kubeDnsClusterIP } from '@nanokube/dns';
import { loadKubeconfig } from '@nanokube/pki';
import { kubeletLabFlags, labDnsPort, type RegistryMirror, type VerbFlags } from './components.js';
import { applyLabDns } from './dns.js';
import { repoOf } from './images.js';
import { commandLineOf, isRunning, startTicksOf, stopProcess } from './processes.js';
import { runInNetns } from './run.js';
import { startPlanned } from './start.js';
import { writeState, type ComponentRecord, type LabState } from './state.js';
import { masterOf, nodeDirOf, type LabNode } from './topology.js';

/** Where the scripts keep a node's things, inside its lab folder (the VM's /etc/kubernetes, /var/lib/nanokube...). */
export interface ScriptNodePaths {
  /** NANOKUBE_CONF_DIR: init's or join's files (kubeadm's /etc/kubernetes). */
  confDir: string;
  /** NANOKUBE_STATE_DIR: store data, lab token, `run/<component>.pid`. */
  stateDir: string;
  /** NANOKUBE_LOG_DIR: `<component>.log`, the same folder the lab's own components log to. */
  logDir: string;
  /** NANOKUBE_ENV_FILE: the units' EnvironmentFile. */
  envFile: string;
  /** NANOKUBE_HOSTS_FILE: the node's /etc/hosts. */
  hostsFile: string;
  /** NANOKUBE_IMAGE_ROOT: the node's image store (the kubelet's --image-root). */
  imageRoot: string;
}

/** scriptNodePaths lays out a node's folder for the scripts. */
export function scriptNodePaths(nodeDir: string): ScriptNodePaths {
  return {
    confDir: join(nodeDir, 'kubernetes'),
    stateDir: join(nodeDir, 'state'),
    logDir: join(nodeDir, 'logs'),
    envFile: join(nodeDir, 'nanokube.env'),
    hostsFile: join(nodeDir, 'hosts'),
    imageRoot: join(nodeDir, 'images'),
  };
}

/** shareDirOf is NANOKUBE_SHARE_DIR, the lab's stand-in for Vagrant's synced folder (join.env, proxy.conf, admin.conf). */
export function shareDirOf(dir: string): string {
  return join(dir, 'share');
}

/** What {@link scriptEnv} needs besides the lab state. */
export interface ScriptEnvInput {
  verbs: VerbFlags;
  runtime: string;
  timeoutMs: number;
  registryMirror?: RegistryMirror;
  /** The offline image tarballs common.sh imports into each node's store; none when undefined. */
  imagesDir?: string;
  nodeMonitorGracePeriod?: string;
  /** Extra controller-manager flags (`lab up --controller-manager-flags`). */
  controllerManagerArgs?: string[];
}

/**
 * scriptEnv is the environment the scripts run with on one node: the inherited one without any
 * NANOKUBE_* setting of the caller's (but its log level), plus the scripts' parameters.
 */
export function scriptEnv(state: LabState, node: LabNode, input: ScriptEnvInput, inherited: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(inherited)) if (v !== undefined && (!k.startsWith('NANOKUBE_') || k === 'NANOKUBE_LOG_LEVEL')) env[k] = v;
  const nodeDir = nodeDirOf(state.dir, node.name);
  const paths = scriptNodePaths(nodeDir);
  const t = state.topology;
  const kubelet = kubeletLabFlags({
    nodeDir: (n) => nodeDirOf(state.dir, n),
    verbs: input.verbs,
    cgroupParent: (n) => t.nodes.find((x) => x.name === n)?.cgroupParent ?? `nanokube-lab-${n}`,
    ...(input.registryMirror ? { registryMirror: input.registryMirror } : {}),
  }, node.name);
  const secs = Math.ceil(input.timeoutMs / 1000);
  return {
    ...env,
    NANOKUBE_SYSTEMD: '0',
    NANOKUBE_SKIP_INSTALL: '1',
    NANOKUBE_SKIP_BUILD: '1',
    NANOKUBE_SKIP_KERNEL: '1',
    NANOKUBE_BIN: `${process.execPath} ${state.nanokubeBin}`,
    NANOKUBE_SRC: repoOf(state.nanokubeBin),
    NANOKUBE_NODE_NAME: node.name,
    NANOKUBE_NODE_IP: node.ip,
    NANOKUBE_CONF_DIR: paths.confDir,
    NANOKUBE_STATE_DIR: paths.stateDir,
    NANOKUBE_LOG_DIR: paths.logDir,
    NANOKUBE_ENV_FILE: paths.envFile,
    NANOKUBE_UNIT_DIR: join(nodeDir, 'units'),
    NANOKUBE_HOSTS_FILE: paths.hostsFile,
    NANOKUBE_HOSTS: t.nodes.map((n) => `${n.ip}=${n.name}`).join(','),
    NANOKUBE_SHARE_DIR: shareDirOf(state.dir),
    NANOKUBE_IMAGES_DIR: input.imagesDir ?? '',
    NANOKUBE_IMAGE_ROOT: paths.imageRoot,
    NANOKUBE_RUNTIME: input.runtime,
    NANOKUBE_KUBELET_EXTRA_ARGS: kubelet.join(' '),
    // The lab's nodes have no default route: no upstream resolvers, names outside the cluster fail at once.
    NANOKUBE_DNS_EXTRA_ARGS: '--resolv-conf /dev/null',
    NANOKUBE_CONTROLLER_MANAGER_EXTRA_ARGS: [
      ...(input.nodeMonitorGracePeriod && input.verbs.get('controller-manager')?.has('node-monitor-grace-period') ? ['--node-monitor-grace-period', input.nodeMonitorGracePeriod] : []),
      ...(input.controllerManagerArgs ?? []),
    ].join(' '),
    NANOKUBE_API_TIMEOUT: String(secs),
    NANOKUBE_JOIN_TIMEOUT: `${secs}s`,
  };
}

/** Options of {@link provisionWithScripts}. */
export interface ProvisionOptions extends ScriptEnvInput {
  out: (line: string) => void;
}

/**
 * provisionWithScripts runs common.sh and master.sh in the master's namespace, applies the cluster DNS
 * objects, then common.sh and worker.sh in every worker's namespace in parallel, recording the
 * components each started. The docker.io mirror (the lab's, not the scripts') starts first.
 */
export async function provisionWithScripts(state: LabState, opts: ProvisionOptions): Promise<void> {
  const t = state.topology;
  const master = masterOf(t);
  await mkdir(shareDirOf(state.dir), { recursive: true, mode: 0o700 });
  for (const n of t.nodes) {
    const paths = scriptNodePaths(nodeDirOf(state.dir, n.name));
    await mkdir(paths.logDir, { recursive: true });
    // The node's /etc/hosts; common.sh adds the lab's nodes to it.
    if (!existsSync(paths.hostsFile)) await writeFile(paths.hostsFile, '127.0.0.1\tlocalhost\n');
  }
  if (opts.registryMirror) {
    const m = opts.registryMirror;
    const rec = await startPlanned(state, { node: master.name, name: 'registry', args: ['image', 'serve', '--root', m.root, '--listen', m.listen] });
    opts.out(`[${master.name}] registry started (pid ${rec.pid}, log ${rec.logFile})`);
  }
  const scripts = join(repoOf(state.nanokubeBin), 'deploy', 'provision');
  const provision = async (n: LabNode, role: 'master.sh' | 'worker.sh'): Promise<void> => {
    const started = Date.now();
    const nodeDir = nodeDirOf(state.dir, n.name);
    const env = scriptEnv(state, n, opts);
    for (const script of ['common.sh', role]) {
      await runInNetns({
        netns: n.netns,
        argv: ['bash', join(scripts, script)],
        env,
        cwd: nodeDir,
        logFile: join(scriptNodePaths(nodeDir).logDir, 'provision.log'),
        // master.sh waits for the apiserver and worker.sh for its certificate, each up to timeoutMs.
        timeoutMs: opts.timeoutMs + 60_000,
        // The scripts' own lines name the node (`[nanokube worker01] ...`); the commands they run (join) do not.
        onLine: (line) => line.trim() && opts.out(line.startsWith('[nanokube ') ? line : `[${n.name}] ${line}`),
      });
    }
    opts.out(`[${n.name}] provisioned by common.sh and ${role} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  };

  try {
    await provision(master, 'master.sh');
  } finally {
    await recordScriptComponents(state, master);
  }
  state.adminConf = join(scriptNodePaths(nodeDirOf(state.dir, master.name)).confDir, 'admin.conf');
  await writeState(state);
  if (state.components.some((c) => c.node === master.name && c.name === 'dns')) {
    await applyLabDns(await loadKubeconfig(state.adminConf), master);
    opts.out(`[dns] kube-system/kube-dns Service ${kubeDnsClusterIP} with an EndpointSlice to ${master.ip}:${labDnsPort}`);
  }
  const workers = t.nodes.filter((n) => n !== master);
  const results = await Promise.allSettled(workers.map((n) => provision(n, 'worker.sh')));
  for (const n of workers) await recordScriptComponents(state, n);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The order the scripts start components in (lib.sh's nk_master_components); records follow it. */
const scriptComponentOrder = ['store', 'apiserver', 'controller-manager', 'scheduler', 'kubelet', 'proxy', 'dns'];

/** A component a script started, from its pid file. */
export interface ScriptProcess {
  node: string;
  name: string;
  pid: number;
  pidFile: string;
}

/** scriptProcesses lists the pid files the scripts wrote on every node (`<stateDir>/run/<component>.pid`). */
export async function scriptProcesses(state: LabState): Promise<ScriptProcess[]> {
  const found: ScriptProcess[] = [];
  for (const n of state.topology.nodes) {
    const runDir = join(scriptNodePaths(nodeDirOf(state.dir, n.name)).stateDir, 'run');
    for (const f of (await readdir(runDir).catch(() => [] as string[])).filter((x) => x.endsWith('.pid')).sort()) {
      const pid = Number((await readFile(join(runDir, f), 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 1) found.push({ node: n.name, name: f.slice(0, -'.pid'.length), pid, pidFile: join(runDir, f) });
    }
  }
  return found;
}

/**
 * recordScriptComponents records, in the lab state, each component the scripts started on a node: its
 * command line (from /proc, after the nanokube entry script), log file, pid and start time.
 */
export async function recordScriptComponents(state: LabState, node: LabNode): Promise<ComponentRecord[]> {
  const logDir = scriptNodePaths(nodeDirOf(state.dir, node.name)).logDir;
  const recs: ComponentRecord[] = [];
  for (const p of (await scriptProcesses(state)).filter((x) => x.node === node.name)) {
    const argv = (await commandLineOf(p.pid)) ?? [];
    const at = argv.indexOf(state.nanokubeBin);
    if (at < 0) continue; // exited, or the pid is no longer ours
    const startTicks = await startTicksOf(p.pid);
    recs.push({
      node: node.name,
      name: p.name,
      args: argv.slice(at + 1),
      logFile: join(logDir, `${p.name}.log`),
      pid: p.pid,
      ...(startTicks !== undefined ? { startTicks } : {}),
      pidFile: p.pidFile,
    });
  }
  const rank = (r: ComponentRecord): number => (scriptComponentOrder.indexOf(r.name) + scriptComponentOrder.length + 1) % (scriptComponentOrder.length + 1);
  recs.sort((a, b) => rank(a) - rank(b));
  state.components = [...state.components.filter((c) => !(c.node === node.name && recs.some((r) => r.name === c.name))), ...recs];
  await writeState(state);
  return recs;
}

/**
 * stopScriptProcesses stops what the scripts started and the lab has no record of (a `lab up` that failed
 * half-way): every pid file whose process still runs this lab's nanokube. The pid files go too, as the
 * scripts' own stop does. Returns the components it stopped.
 */
export async function stopScriptProcesses(state: LabState): Promise<string[]> {
  const stopped: string[] = [];
  for (const p of await scriptProcesses(state)) {
    const argv = await commandLineOf(p.pid);
    if (argv?.includes(state.nanokubeBin)) {
      const startTicks = await startTicksOf(p.pid);
      const ref = { pid: p.pid, ...(startTicks !== undefined ? { startTicks } : {}) };
      if ((await isRunning(ref)) && (await stopProcess(ref, 10_000)) !== 'not-running') stopped.push(`${p.node}/${p.name}`);
    }
    await rm(p.pidFile, { force: true });
  }
  return stopped;
}

/**
 * `lab up`: builds the lab step by step, recording every step in the state file before moving on, so
 * that `lab down` (or the clean-up after a failed `up`) undoes exactly what was made.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { kubeDnsClusterIP } from '@nanokube/dns';
import { probe, waitUntilReady } from '@nanokube/launcher';
import { loadKubeconfig, type InitResult } from '@nanokube/pki';
import { applyLabDns } from './dns.js';
import { labDnsPort, labRegistryPort, planComponents, probeVerbs, type ComponentPlan } from './components.js';
import { labDown } from './down.js';
import { checkHostFree, createBridge, createForwardRules, createNode } from './host-network.js';
import { sh } from './internal/sh.js';
import { offlineImages, preloadImages, repoOf } from './images.js';
import { initLab, mergeLabContext, writeDnsKubeconfig, writeNodeKubeconfig } from './kubeconfigs.js';
import { setUpPodNetworks } from './pod-network.js';
import { isRunning, startDetached } from './processes.js';
import { readState, writeState, type ComponentRecord, type LabState } from './state.js';
import { labStoreUrl, labTopology, nodeDirOf, type LabTopology } from './topology.js';
import { waitForNodes, waitForUrlInNetns } from './wait.js';

/** Options of {@link labUp}. */
export interface LabUpOptions {
  /** The lab's folder: state file, per-node state, certificates, logs. */
  dir: string;
  /** The `nanokube` entry script components are started from. */
  nanokubeBin: string;
  /** Renames namespaces, links and chains (tests); see {@link labTopology}. */
  prefix?: string;
  workers?: number;
  /** The kubelet's `--runtime`: `runc` (default: real containers) or `simulated`. */
  runtime?: string;
  /** Kubeconfig to merge the `nanokube-lab` context into; none when undefined. */
  kubeconfig?: string;
  out: (line: string) => void;
  readyTimeoutMs?: number;
  /** The controller-manager's `--node-monitor-grace-period` (e.g. `20s`); upstream's 40s when undefined. */
  nodeMonitorGracePeriod?: string;
}

/** labUp builds the lab and returns once every node is Ready. On failure it undoes what it made and rethrows. */
export async function labUp(opts: LabUpOptions): Promise<LabState> {
  const dir = resolve(opts.dir);
  await preflight(opts.runtime ?? 'runc');
  if (await readState(dir)) throw new Error(`a lab already exists in ${dir}; run \`nanokube lab down\` first`);
  const topology = labTopology({ ...(opts.prefix ? { prefix: opts.prefix } : {}), ...(opts.workers !== undefined ? { workers: opts.workers } : {}) });
  await checkHostFree(topology);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const state: LabState = { version: 1, dir, nanokubeBin: resolve(opts.nanokubeBin), topology, created: [], components: [] };
  await writeState(state);
  try {
    await buildNetwork(state, opts.out);
    const init = await initLab({ masterDir: nodeDirOf(dir, 'master'), masterIP: masterOf(topology).ip, out: () => {} });
    state.adminConf = init.adminConf;
    opts.out(`[certs] cluster CA and kubeconfigs in ${init.dir}`);
    await startComponents(state, init, opts);
    if (opts.kubeconfig) {
      await mergeLabContext(init.adminConf, opts.kubeconfig);
      state.kubeconfig = resolve(opts.kubeconfig);
      await writeState(state);
      opts.out(`[kubeconfig] context "nanokube-lab" merged into ${opts.kubeconfig} and made current`);
    }
    return state;
  } catch (err) {
    opts.out(`lab up failed: ${(err as Error).message}`);
    opts.out(`removing what was made (logs stay in ${dir}); run \`nanokube lab down --dir ${dir}\` to remove the folder too`);
    await labDown({ dir, out: opts.out, keepFiles: true });
    throw err;
  }
}

async function preflight(runtime: string): Promise<void> {
  if (runtime === 'runc') {
    await sh(['runc', '--version']).catch(() => {
      throw new Error('"runc" is missing: install Debian\'s runc (deploy/install-deps.sh), or use --runtime simulated');
    });
  }
  if (process.platform !== 'linux') throw new Error('the lab needs Linux network namespaces');
  if (process.getuid?.() !== 0) throw new Error('the lab needs root (it creates network namespaces and links)');
  for (const tool of [['ip', '-V'], ['nsenter', '--version'], ['iptables', '--version']]) {
    await sh(tool).catch(() => {
      throw new Error(`"${tool[0]}" is missing: install iproute2, util-linux and iptables (deploy/install-deps.sh)`);
    });
  }
}

async function buildNetwork(state: LabState, out: (line: string) => void): Promise<void> {
  const t = state.topology;
  await createBridge(t);
  state.created.push('bridge');
  await writeState(state);
  state.created.push('iptables');
  await writeState(state);
  await createForwardRules(t);
  out(`[network] bridge ${t.bridge} ${t.hostIP}/${t.prefixLength} on the host`);
  for (const n of t.nodes) {
    state.created.push(`netns:${n.name}`);
    await writeState(state);
    await createNode(t, n);
    out(`[network] ${n.name}: namespace ${n.netns}, eth0 ${n.ip}/${t.prefixLength}, no default route`);
  }
}

async function startComponents(state: LabState, init: InitResult, opts: LabUpOptions): Promise<void> {
  const t = state.topology;
  const verbs = await probeVerbs(state.nanokubeBin, ['controller-manager', 'scheduler', 'kubelet', 'proxy', 'dns']);
  if (!verbs.has('kubelet')) throw new Error('this nanokube build has no kubelet verb');
  const kubeletConf = new Map<string, string>();
  for (const n of t.nodes) {
    kubeletConf.set(n.name, n.role === 'control-plane' ? init.kubeletConf : await writeNodeKubeconfig(init, n.name, nodeDirOf(state.dir, n.name)));
  }
  const runtime = opts.runtime ?? 'runc';
  const master = masterOf(t);
  let registryMirror: { listen: string; root: string } | undefined;
  if (runtime === 'runc') {
    const files = await offlineImages(repoOf(state.nanokubeBin), opts.out);
    registryMirror = { listen: `${master.ip}:${labRegistryPort}`, root: join(nodeDirOf(state.dir, master.name), 'registry') };
    await preloadImages([registryMirror.root, ...t.nodes.map((n) => join(nodeDirOf(state.dir, n.name), 'images'))], files);
    opts.out(`[images] ${files.length} offline image archives imported into every node; docker.io mirror on http://${registryMirror.listen}`);
  }
  const plans = planComponents({
    nodes: t.nodes,
    nodeDir: (n) => nodeDirOf(state.dir, n),
    init,
    kubeletConf,
    verbs,
    runtime,
    ...(registryMirror ? { registryMirror } : {}),
    cgroupParent: (n) => t.nodes.find((x) => x.name === n)?.cgroupParent ?? `nanokube-lab-${n}`,
    ...(verbs.has('dns') ? { dnsConf: await writeDnsKubeconfig(init) } : {}),
    ...(opts.nodeMonitorGracePeriod ? { nodeMonitorGracePeriod: opts.nodeMonitorGracePeriod } : {}),
  });
  const timeoutMs = opts.readyTimeoutMs ?? 120_000;
  for (const plan of plans) {
    const rec = await startPlanned(state, plan);
    opts.out(`[${plan.node}] ${plan.name} started (pid ${rec.pid}, log ${rec.logFile})`);
    if (plan.name === 'store') await waitForUrlInNetns(netnsOf(t, plan.node), `${labStoreUrl}/v3/maintenance/status`, 30_000);
    if (plan.name === 'apiserver') {
      await waitForApiserver(init, rec, timeoutMs);
      if (plans.some((p) => p.name === 'dns')) {
        await applyLabDns(await loadKubeconfig(init.adminConf), master);
        opts.out(`[dns] kube-system/kube-dns Service ${kubeDnsClusterIP} with an EndpointSlice to ${master.ip}:${labDnsPort}`);
      }
    }
  }
  const admin = await loadKubeconfig(init.adminConf);
  const nodes = await waitForNodes(admin, {
    names: t.nodes.map((n) => n.name),
    timeoutMs,
    podCIDRs: verbs.has('controller-manager'),
    onReady: (name) => opts.out(`[${name}] Ready`),
    failed: () => firstExited(state),
  });
  for (const line of await setUpPodNetworks(t.nodes, nodes, (n) => nodeDirOf(state.dir, n))) opts.out(line);
}

/** startPlanned starts one planned component and records it (replacing an older record of it). */
export async function startPlanned(state: LabState, plan: ComponentPlan): Promise<ComponentRecord> {
  const logFile = join(nodeDirOf(state.dir, plan.node), 'logs', `${plan.name}.log`);
  const ref = await startDetached({ netns: netnsOf(state.topology, plan.node), nanokubeBin: state.nanokubeBin, args: plan.args, logFile, cwd: state.dir });
  const rec: ComponentRecord = { ...plan, logFile, pid: ref.pid, startTicks: ref.startTicks };
  state.components = [...state.components.filter((c) => !(c.node === plan.node && c.name === plan.name)), rec];
  await writeState(state);
  return rec;
}

async function waitForApiserver(init: InitResult, rec: ComponentRecord, timeoutMs: number): Promise<void> {
  const tls = {
    ca: await readFile(init.caCertPath, 'utf8'),
    cert: await readFile(join(init.pkiDir, 'apiserver-kubelet-client.crt'), 'utf8'),
    key: await readFile(join(init.pkiDir, 'apiserver-kubelet-client.key'), 'utf8'),
  };
  await waitUntilReady('apiserver', async () => (await probe(`${init.server}/readyz`, { tls })) === 200, {
    timeoutMs,
    failed: () => (existsSync(`/proc/${rec.pid}`) ? undefined : `exited (see ${rec.logFile})`),
  });
}

async function firstExited(state: LabState): Promise<string | undefined> {
  for (const c of state.components) {
    if (c.pid && !(await isRunning(c))) return `${c.node}/${c.name} exited (see ${c.logFile})`;
  }
  return undefined;
}

function masterOf(t: LabTopology) {
  const m = t.nodes.find((n) => n.role === 'control-plane');
  if (!m) throw new Error('the lab topology has no control-plane node');
  return m;
}

/** netnsOf is the namespace of a node of the topology. */
export function netnsOf(t: LabTopology, node: string): string {
  const n = t.nodes.find((x) => x.name === node);
  if (!n) throw new Error(`no node "${node}" in this lab (nodes: ${t.nodes.map((x) => x.name).join(', ')})`);
  return n.netns;
}

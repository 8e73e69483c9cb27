/**
 * `lab up`: builds the lab step by step, recording every step in the state file before moving on, so
 * that `lab down` (or the clean-up after a failed `up`) undoes exactly what was made. The nodes are
 * provisioned by the lab itself (workers join with a bootstrap token) or, with `--provisioner
 * vagrant-scripts`, by deploy/provision's scripts run inside the node namespaces (provisioner.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { kubeDnsClusterIP } from '@nanokube/dns';
import { probe, waitUntilReady } from '@nanokube/launcher';
import { loadKubeconfig, type InitResult } from '@nanokube/pki';
import { applyLabDns } from './dns.js';
import { labDnsPort, labRegistryPort, planComponents, probeVerbs, type RegistryMirror, type VerbFlags } from './components.js';
import { labDown } from './down.js';
import { checkHostFree, createBridge, createForwardRules, createNode } from './host-network.js';
import { sh } from './internal/sh.js';
import { offlineImages, offlineImagesDir, preloadImages, repoOf } from './images.js';
import { createLabToken, joinWorker } from './join.js';
import { initLab, mergeLabContext, writeDnsKubeconfig } from './kubeconfigs.js';
import { setUpPodNetworks } from './pod-network.js';
import { provisionWithScripts } from './provisioner.js';
import { isRunning } from './processes.js';
import { startPlanned } from './start.js';
import { readState, writeState, type ComponentRecord, type LabProvisioner, type LabState } from './state.js';
import { labStoreUrl, labTopology, masterOf, netnsOf, nodeDirOf } from './topology.js';
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
  /** How the nodes are provisioned; `lab` when undefined. See {@link LabProvisioner}. */
  provisioner?: LabProvisioner;
  /** Kubeconfig to merge the `nanokube-lab` context into; none when undefined. */
  kubeconfig?: string;
  out: (line: string) => void;
  readyTimeoutMs?: number;
  /** The controller-manager's `--node-monitor-grace-period` (e.g. `20s`); upstream's 40s when undefined. */
  nodeMonitorGracePeriod?: string;
  /** Extra controller-manager flags (`lab up --controller-manager-flags`), appended as given. */
  controllerManagerArgs?: string[];
}

/** The verbs whose flags the lab asks the build for. */
const labVerbs = ['controller-manager', 'scheduler', 'kubelet', 'proxy', 'dns'];

/** labUp builds the lab and returns once every node is Ready. On failure it undoes what it made and rethrows. */
export async function labUp(opts: LabUpOptions): Promise<LabState> {
  const dir = resolve(opts.dir);
  const provisioner = opts.provisioner ?? 'lab';
  await preflight(opts.runtime ?? 'runc');
  if (provisioner === 'vagrant-scripts' && /\s/.test(dir)) throw new Error(`the provisioning scripts split command lines on spaces: use a lab folder without any (${dir})`);
  if (await readState(dir)) throw new Error(`a lab already exists in ${dir}; run \`nanokube lab down\` first`);
  const topology = labTopology({ ...(opts.prefix ? { prefix: opts.prefix } : {}), ...(opts.workers !== undefined ? { workers: opts.workers } : {}) });
  await checkHostFree(topology);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const state: LabState = { version: 1, dir, nanokubeBin: resolve(opts.nanokubeBin), topology, provisioner, created: [], components: [] };
  await writeState(state);
  try {
    await buildNetwork(state, opts.out);
    const verbs = await probeVerbs(state.nanokubeBin, labVerbs);
    if (!verbs.has('kubelet')) throw new Error('this nanokube build has no kubelet verb');
    const timeoutMs = opts.readyTimeoutMs ?? 120_000;
    const registryMirror = await prepareImages(state, opts, provisioner === 'lab');
    if (provisioner === 'vagrant-scripts') {
      await provisionWithScripts(state, {
        verbs,
        runtime: opts.runtime ?? 'runc',
        timeoutMs,
        out: opts.out,
        ...(registryMirror ? { registryMirror } : {}),
        ...(registryMirror ? { imagesDir: offlineImagesDir(repoOf(state.nanokubeBin)) } : {}),
        ...(opts.nodeMonitorGracePeriod ? { nodeMonitorGracePeriod: opts.nodeMonitorGracePeriod } : {}),
        ...(opts.controllerManagerArgs?.length ? { controllerManagerArgs: opts.controllerManagerArgs } : {}),
      });
    } else {
      const init = await initLab({ masterDir: nodeDirOf(dir, 'master'), masterIP: masterOf(topology).ip, out: () => {} });
      state.adminConf = init.adminConf;
      await writeState(state);
      opts.out(`[certs] cluster CA and kubeconfigs in ${init.dir}`);
      await startComponents(state, init, verbs, registryMirror, opts);
    }
    await waitForLab(state, verbs.has('controller-manager'), timeoutMs, opts.out);
    if (opts.kubeconfig) {
      await mergeLabContext(labAdminConf(state), opts.kubeconfig);
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

/** labAdminConf is the lab's admin kubeconfig (init's admin.conf on the master). */
export function labAdminConf(state: LabState): string {
  if (!state.adminConf) throw new Error(`the lab in ${state.dir} has no admin kubeconfig yet`);
  return state.adminConf;
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

/**
 * prepareImages (runc only) makes sure the offline image tarballs exist, imports them into the store the
 * master serves as the nodes' docker.io mirror and, when `intoNodes`, into every node's own store; it
 * returns the mirror, or undefined under the simulated runtime.
 */
async function prepareImages(state: LabState, opts: LabUpOptions, intoNodes: boolean): Promise<RegistryMirror | undefined> {
  if ((opts.runtime ?? 'runc') !== 'runc') return undefined;
  const t = state.topology;
  const master = masterOf(t);
  const files = await offlineImages(repoOf(state.nanokubeBin), opts.out);
  const mirror = { listen: `${master.ip}:${labRegistryPort}`, root: join(nodeDirOf(state.dir, master.name), 'registry') };
  await preloadImages([mirror.root, ...(intoNodes ? t.nodes.map((n) => join(nodeDirOf(state.dir, n.name), 'images')) : [])], files);
  opts.out(`[images] ${files.length} offline image archives imported into ${intoNodes ? 'every node' : 'the mirror'}; docker.io mirror on http://${mirror.listen}`);
  return mirror;
}

/**
 * startComponents (the `lab` provisioner) starts the control plane, then, once the apiserver answers,
 * creates the bootstrap token and joins the workers in parallel while the rest of the master starts; each
 * worker's kubelet starts as soon as its join wrote kubelet.conf.
 */
async function startComponents(state: LabState, init: InitResult, verbs: VerbFlags, registryMirror: RegistryMirror | undefined, opts: LabUpOptions): Promise<void> {
  const t = state.topology;
  const master = masterOf(t);
  const workers = t.nodes.filter((n) => n.role !== 'control-plane');
  const kubeletConf = new Map<string, string>(t.nodes.map((n) => [n.name, n.role === 'control-plane' ? init.kubeletConf : join(nodeDirOf(state.dir, n.name), 'kubelet.conf')]));
  const plans = planComponents({
    nodes: t.nodes,
    nodeDir: (n) => nodeDirOf(state.dir, n),
    init,
    kubeletConf,
    verbs,
    runtime: opts.runtime ?? 'runc',
    ...(registryMirror ? { registryMirror } : {}),
    cgroupParent: (n) => t.nodes.find((x) => x.name === n)?.cgroupParent ?? `nanokube-lab-${n}`,
    ...(verbs.has('dns') ? { dnsConf: await writeDnsKubeconfig(init) } : {}),
    ...(opts.nodeMonitorGracePeriod ? { nodeMonitorGracePeriod: opts.nodeMonitorGracePeriod } : {}),
    ...(opts.controllerManagerArgs?.length ? { controllerManagerArgs: opts.controllerManagerArgs } : {}),
  });
  const timeoutMs = opts.readyTimeoutMs ?? 120_000;
  // Settled results, so that a failed join is reported where it is awaited, never as an unhandled rejection.
  const joins = new Map<string, Promise<Error | undefined>>();
  for (const plan of plans) {
    const joined = plan.name === 'kubelet' ? joins.get(plan.node) : undefined;
    if (joined) {
      const err = await joined;
      if (err) throw err;
    }
    const rec = await startPlanned(state, plan);
    opts.out(`[${plan.node}] ${plan.name} started (pid ${rec.pid}, log ${rec.logFile})`);
    if (plan.name === 'store') await waitForUrlInNetns(netnsOf(t, plan.node), `${labStoreUrl}/v3/maintenance/status`, 30_000);
    if (plan.name === 'apiserver') {
      await waitForApiserver(init, rec, timeoutMs);
      if (workers.length > 0) {
        const data = await createLabToken(init);
        opts.out(`[bootstrap-token] token ${data.token.split('.')[0]}.**** (never expires); workers join with:`);
        opts.out(`  ${data.joinCommand}`);
        for (const n of workers) {
          const started = Date.now();
          joins.set(n.name, joinWorker({ node: n, nodeDir: nodeDirOf(state.dir, n.name), nanokubeBin: state.nanokubeBin, join: data, timeoutMs }).then(
            () => void opts.out(`[${n.name}] joined: kubelet client certificate signed by the controller-manager (${((Date.now() - started) / 1000).toFixed(1)} s)`),
            (err: Error) => err,
          ));
        }
      }
      if (plans.some((p) => p.name === 'dns')) {
        await applyLabDns(await loadKubeconfig(init.adminConf), master);
        opts.out(`[dns] kube-system/kube-dns Service ${kubeDnsClusterIP} with an EndpointSlice to ${master.ip}:${labDnsPort}`);
      }
    }
  }
}

/** waitForLab waits until every node is Ready (with a pod CIDR when a controller-manager runs), then wires the pod network. */
async function waitForLab(state: LabState, podCIDRs: boolean, timeoutMs: number, out: (line: string) => void): Promise<void> {
  const t = state.topology;
  const admin = await loadKubeconfig(labAdminConf(state));
  const nodes = await waitForNodes(admin, {
    names: t.nodes.map((n) => n.name),
    timeoutMs,
    podCIDRs,
    onReady: (name) => out(`[${name}] Ready`),
    failed: () => firstExited(state),
  });
  for (const line of await setUpPodNetworks(t.nodes, nodes, (n) => nodeDirOf(state.dir, n))) out(line);
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
